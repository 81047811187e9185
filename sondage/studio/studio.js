// The studio's page script: plain, and it decides nothing. The editor's form is posted to the
// server as the person types; the server answers with the problem `sondage check` would find
// and the field it is on, which this puts next to that field. Buttons that change the form's
// shape (add, remove, switch a part on) are ordinary submit buttons. Copy buttons copy.
(function () {
  "use strict";
  var form = document.getElementById("editor");
  if (form instanceof HTMLFormElement) {
    var editor = form, timer = 0, sent = 0;
    var check = function () {
      var mine = ++sent;
      fetch(editor.dataset.check || "", {
        method: "POST", credentials: "same-origin",
        body: new URLSearchParams(/** @type {any} */ (new FormData(editor))),
      })
        .then(function (r) { return r.json(); })
        .then(function (said) {
          if (mine !== sent) return;          // a newer check is on its way
          var problem = document.getElementById("problem");
          if (problem) problem.textContent = said.problem || "";
          editor.querySelectorAll("[data-error-for]").forEach(function (el) {
            var name = el.getAttribute("data-error-for") || "";
            el.textContent = (said.errors && said.errors[name]) || "";
            var box = el.parentElement;
            if (box && box.classList.contains("field")) box.classList.toggle("has-error", !!el.textContent);
          });
          var refresh = document.getElementById("preview-refresh");
          if (!said.problem && refresh instanceof HTMLButtonElement) editor.requestSubmit(refresh);
          var words = document.getElementById("words");
          if (words && said.words && said.words.length) {
            var list = words;
            list.textContent = "";
            said.words.forEach(function (/** @type {string} */ w) {
              var li = document.createElement("li"); li.textContent = w; list.appendChild(li);
            });
          }
        })
        .catch(function () { /* the next keystroke asks again */ });
    };
    // The form's fields, and those outside it that belong to it (the preview's, form="editor").
    document.addEventListener("input", function (e) {
      var t = /** @type {any} */ (e.target);
      if (t && t.form === editor) { clearTimeout(timer); timer = window.setTimeout(check, 250); }
    });
    var width = document.getElementById("preview-width"), box = document.getElementById("preview-box");
    if (width instanceof HTMLSelectElement && box) {
      var widthSelect = width, widthBox = box;
      widthSelect.addEventListener("change", function () { widthBox.setAttribute("data-width", widthSelect.value); });
    }
    editor.addEventListener("change", function (e) {
      var t = e.target;
      if (t instanceof HTMLInputElement && t.dataset.rerender) {
        var op = document.createElement("input");
        op.type = "hidden"; op.name = "__op"; op.value = t.dataset.rerender;
        editor.appendChild(op);
        editor.submit();
      }
    });
  }
  var who = document.getElementById("who");
  if (who instanceof HTMLFormElement) {
    var asking = who;
    asking.addEventListener("submit", function (e) {
      e.preventDefault();
      fetch(asking.action, {
        method: "POST", credentials: "same-origin",
        body: new URLSearchParams(/** @type {any} */ (new FormData(asking))),
      })
        .then(function (r) { return r.json(); })
        .then(function (said) {
          var out = document.getElementById("who-result");
          if (out) out.textContent = said.error ? said.error : (said.show ? "Shown: " : "Not shown: ") + said.reason;
        });
    });
  }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var id = button.getAttribute("data-copy") || "";
      var box = document.getElementById(id), said = document.querySelector('[data-copied="' + id + '"]');
      if (!(box instanceof HTMLTextAreaElement)) return;
      box.select();
      var done = function () { if (said) said.textContent = "Copied."; };
      if (navigator.clipboard) navigator.clipboard.writeText(box.value).then(done, function () { document.execCommand("copy"); done(); });
      else { document.execCommand("copy"); done(); }
    });
  });
})();
