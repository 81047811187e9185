"""`sondage embed`: what a marketer pastes into Braze or CleverTap."""

from sondage.cli import main


def test_embed_cli_prints_the_code_to_paste(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text("id: rate\nsite: shop\nname: Rate <us> & co\ntrigger: {type: manual}\n"
                                     "questions:\n  - {id: q, type: nps, prompt: \"How likely?\"}\n")
    assert main(["embed", "braze-inapp", "rate", "--base-url", "https://cdn.test/s/",
                 "--surveys", str(tmp_path)]) == 0
    html = capsys.readouterr().out
    assert '"channel": "braze-inapp"' in html and '"installOnLoad": false' in html
    assert 'Iterate("install", "rate")' in html and "https://cdn.test/s/loader.js" in html
    assert "<title>Rate &lt;us> &amp; co</title>" in html
    assert main(["embed", "clevertap-popup", "rate", "--base-url", "https://cdn.test/s/",
                 "--surveys", str(tmp_path)]) == 0
    assert '"campaign": "##campaignId##"' in capsys.readouterr().out
    assert main(["embed", "braze-inapp", "nope", "--base-url", "https://cdn.test/s/", "--surveys", str(tmp_path)]) == 1
    assert "no survey 'nope'" in capsys.readouterr().err
    assert main(["embed", "braze-inapp", "rate", "--base-url", "ftp://x", "--surveys", str(tmp_path)]) == 2


def test_email_links_for_every_one_click_type(tmp_path, capsys):
    import re
    for kind, extra, expected in [("csat", "", ["1", "2", "3", "4", "5"]), ("yes_no", "", ["Yes", "No"]),
                                  ("dropdown", ", choices: [S, M]", ["S", "M"])]:
        (tmp_path / "s.yaml").write_text("id: one\nsite: shop\nname: One\ntrigger: {type: manual}\n"
                                         "questions:\n  - {id: q, type: " + kind + ", prompt: Q" + extra + "}\n")
        assert main(["embed", "email", "one", "--base-url", "https://cdn.test/s/", "--surveys", str(tmp_path)]) == 0
        html = capsys.readouterr().out
        assert re.findall('answer=([^"&]+)"', html) == expected, kind
