"""Stand-ins for the native side of the vendors' mobile in-app messages, as their SDKs give
the WebView's page its bridge, recording every call (``window.__native.calls``).

Each implements the documented interface exactly, from the SDKs' public sources:

- **CleverTap Android** (``clevertap-core/.../CTWebInterface.java``): ``window.CleverTap``, a
  Java object added with ``addJavascriptInterface``. Its ``@JavascriptInterface`` methods take
  Java ``String`` (JSON as strings), ``boolean``, ``double``; a call with another number of
  arguments is "method not found"; a JSON string that does not parse is dropped with only a
  log line. The WebView has no DOM storage.
- **CleverTap iOS** (``CleverTapJSInterface.m``, ``CTInAppHTMLViewController.m``): the script
  message handler ``clevertap``: only an object body is read, by its ``action``; anything else
  is ignored. The HTML is loaded with no base URL, and ANY navigation, in any frame, to a
  URL other than ``about:blank`` hides the message.
- **Braze** (Android ``assets/braze-html-bridge.js`` over ``brazeInternalBridge``; the Swift
  SDK's bridge has the same calls): ``brazeBridge``, injected after the page's load event in
  the main frame, then ``ab.BridgeReady``; ``closeMessage()`` calls ``beforeMessageClosed()``
  then goes to ``appboy://close``. The page's base URL is ``https://iamcache.braze/``.
"""

from __future__ import annotations

import json
from typing import Any

RECORDER = """
window.__native = {calls: [], closed: false, navigations: [], logs: []};
function __record(name, args) {
  var types = Array.prototype.map.call(args, function (a) { return a === null ? "null" : typeof a; });
  window.__native.calls.push({name: name, args: Array.prototype.slice.call(args), types: types});
}
"""

# CTWebInterface's @JavascriptInterface methods: Java parameter types, per overload.
CLEVERTAP_ANDROID_METHODS: dict[str, list[list[str]]] = {
    "promptPushPermission": [["boolean"]],
    "dismissInAppNotification": [[]],
    "addMultiValueForKey": [["String", "String"]],
    "incrementValue": [["String", "double"]],
    "decrementValue": [["String", "double"]],
    "addMultiValuesForKey": [["String", "String"]],
    "pushChargedEvent": [["String", "String"]],
    "pushEvent": [["String"], ["String", "String"]],
    "pushProfile": [["String"]],
    "removeMultiValueForKey": [["String", "String"]],
    "removeMultiValuesForKey": [["String", "String"]],
    "removeValueForKey": [["String"]],
    "setMultiValueForKey": [["String", "String"]],
    "onUserLogin": [["String"]],
    "triggerInAppAction": [["String", "String", "String"]],
    "getSdkVersion": [[]],
}
# Which String arguments CTWebInterface parses as JSON (new JSONObject / new JSONArray).
CLEVERTAP_ANDROID_JSON = {"pushEvent": [1], "pushProfile": [0], "onUserLogin": [0], "pushChargedEvent": [0, 1],
                          "addMultiValuesForKey": [1], "removeMultiValuesForKey": [1], "setMultiValueForKey": [1],
                          "triggerInAppAction": [0]}

CLEVERTAP_ANDROID = RECORDER + f"""
(function () {{
  var methods = {json.dumps(CLEVERTAP_ANDROID_METHODS)};
  var jsonArgs = {json.dumps(CLEVERTAP_ANDROID_JSON)};
  // WebView's Java bridge: a JS value becomes a Java String only if it is a string (else the
  // Java side gets null or "undefined"); an overload is chosen by the number of arguments.
  var bridge = {{}};
  Object.keys(methods).forEach(function (name) {{
    bridge[name] = function () {{
      var args = arguments;
      var overload = methods[name].filter(function (o) {{ return o.length === args.length; }})[0];
      if (!overload) throw new Error("Method not found: " + name + " with " + args.length + " arguments");
      __record(name, args);
      (jsonArgs[name] || []).forEach(function (i) {{
        if (i >= args.length) return;
        try {{ JSON.parse(args[i]); if (typeof args[i] !== "string") throw new Error("not a String"); }}
        catch (e) {{ window.__native.logs.push("Unable to parse " + name + " argument " + i + " from WebView"); }}
      }});
      if (name === "dismissInAppNotification") window.__native.closed = true;
      if (name === "getSdkVersion") return 70000;
    }};
  }});
  window.CleverTap = bridge;
  // DOM storage is not enabled in CleverTap's in-app WebView: localStorage is null.
  Object.defineProperty(window, "localStorage", {{get: function () {{ return null; }}, configurable: true}});
}})();
"""

CLEVERTAP_IOS_ACTIONS = ["recordEventWithProps", "profilePush", "profileSetMultiValues", "profileAddMultiValue",
                         "profileAddMultiValues", "profileRemoveValueForKey", "profileRemoveMultiValue",
                         "profileRemoveMultiValues", "recordChargedEvent", "onUserLogin", "profileIncrementValueBy",
                         "profileDecrementValueBy", "triggerInAppAction", "dismissInAppNotification",
                         "promptForPushPermission"]

CLEVERTAP_IOS = RECORDER + f"""
(function () {{
  var actions = {json.dumps(CLEVERTAP_IOS_ACTIONS)};
  window.cleverTapIOSSDKVersion = 70000;   // the SDK's version script, at document start
  window.webkit = {{messageHandlers: {{clevertap: {{postMessage: function (body) {{
    // WKScriptMessage: the body is structured-cloned; only a dictionary with a known action is acted on.
    var copy = JSON.parse(JSON.stringify(body === undefined ? null : body));
    __record("postMessage", [copy]);
    if (!copy || typeof copy !== "object" || Array.isArray(copy) || actions.indexOf(copy.action) < 0) {{
      window.__native.logs.push("ignored message " + JSON.stringify(copy));
      return;
    }}
    if (copy.action === "dismissInAppNotification") window.__native.closed = true;
  }}}}}}}};
}})();
"""

BRAZE_BASE_URL = "https://iamcache.braze/"

# brazeInternalBridge (Android's Java object: String, boolean) and the bridge script over it.
BRAZE_INTERNAL = RECORDER + """
(function () {
  var user = {};
  ["setFirstName", "setLastName", "setEmail", "setCustomUserAttributeArray", "setCustomUserAttributeJSON",
   "addToCustomAttributeArray", "removeFromCustomAttributeArray", "incrementCustomUserAttribute",
   "setLanguage", "addAlias"].forEach(function (name) {
    user[name] = function () { __record("getUser()." + name, arguments); };
  });
  window.brazeInternalBridge = {
    getUser: function () { return user; },
    logCustomEventWithJSON: function () { __record("logCustomEventWithJSON", arguments); },
    requestImmediateDataFlush: function () { __record("requestImmediateDataFlush", arguments); },
    beforeMessageClosed: function () { __record("beforeMessageClosed", arguments); window.__native.closed = true; },
    logClick: function () { __record("logClick", arguments); },
    logButtonClick: function () { __record("logButtonClick", arguments); }
  };
})();
"""
# What the SDK evaluates after the load event (braze-html-bridge.js, the calls Sondage may use).
BRAZE_BRIDGE = """
var brazeBridge = {
  logCustomEvent: function (name, properties) {
    brazeInternalBridge.logCustomEventWithJSON(name, JSON.stringify(properties));
  },
  closeMessage: function () { brazeInternalBridge.beforeMessageClosed(); window.location = 'appboy://close'; },
  requestImmediateDataFlush: function () { brazeInternalBridge.requestImmediateDataFlush(); },
  logClick: function (buttonId) {
    if (buttonId != null) brazeInternalBridge.logButtonClick(buttonId); else brazeInternalBridge.logClick();
  },
  brazeBridgeUserObject: {
    setCustomUserAttribute: function (key, value, merge) {
      if (merge === undefined) merge = false;
      if (Array.isArray(value)) brazeInternalBridge.getUser().setCustomUserAttributeArray(key, JSON.stringify(value));
      else brazeInternalBridge.getUser().setCustomUserAttributeJSON(key, JSON.stringify({"value": value}), merge);
    },
    addToCustomAttributeArray: function (key, value) {
      brazeInternalBridge.getUser().addToCustomAttributeArray(key, value);
    }
  },
  getUser: function () { return this.brazeBridgeUserObject; }
};
var appboyBridge = brazeBridge;
window.dispatchEvent(new Event("ab.BridgeReady"));
"""


def native_calls(page) -> list[dict[str, Any]]:
    return page.evaluate("window.__native ? window.__native.calls : []")


def native_state(page) -> dict[str, Any]:
    return page.evaluate("window.__native")
