import pytest

from sondage.cli import main
from sondage.snippet import SnippetError, snippet


def test_snippet_is_iterates_form_pointing_at_our_loader():
    s = snippet("key-1", "https://cdn.example.com/sondage")
    assert 'window.iterateSettings = {"apiKey": "key-1"};' in s
    assert 'if(t.getElementById(r)){return}' in s and "z.q=[]" in s and "z.c=function(args){z.q.push(args)}" in s
    assert 'js.src="https://cdn.example.com/sondage/loader.js"' in s
    assert '"iterate-js","Iterate"' in s
    assert "installOnLoad" not in s
    assert '"installOnLoad": false' in snippet("k", "https://x.test/", install_on_load=False)


def test_snippet_cannot_break_out_of_the_script_element():
    s = snippet("</script><script>alert(1)</script>", "https://x.test/")
    assert s.count("</script>") == 1


def test_snippet_rejects_bad_input(capsys):
    with pytest.raises(SnippetError, match="--base-url"):
        snippet("k", "cdn.example.com")
    assert main(["snippet", "--api-key", "k", "--base-url", "ftp://x"]) == 2
    assert "--base-url must be an http(s) URL" in capsys.readouterr().err
