"""`sondage embed`: what a marketer pastes into Braze or CleverTap."""

from sondage.cli import main


def test_embed_cli_prints_the_code_to_paste(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text("id: rate\nsite: shop\nname: Rate <us> & co\ntrigger: {type: manual}\n"
                                     "questions:\n  - {id: q, type: nps, prompt: \"How likely?\"}\n")
    assert main(["embed", "braze-inapp", "rate", "--base-url", "https://cdn.test/s/",
                 "--surveys", str(tmp_path)]) == 0
    html = capsys.readouterr().out
    # An in-app message (web and apps): the first question in the page, inapp.js, the settings.
    assert '"channel": "braze-inapp"' in html and '"survey": "rate"' in html and '"apiKey": "shop"' in html
    assert '"identities": {"braze_external_id": "{{${user_id}}}"}' in html       # Braze's Liquid
    assert '<script async src="https://cdn.test/s/inapp.js"></script>' in html and "loader.js" not in html
    assert "<title>Rate &lt;us> &amp; co</title>" in html and 'data-position="modal"' in html
    assert '<div id="root"' in html and "How likely?" in html and 'data-action="answer" data-value="10"' in html
    assert ".sondage-card" in html                                  # the widget's own CSS, in the page
    assert main(["embed", "clevertap-inapp", "rate", "--base-url", "https://cdn.test/s/",
                 "--surveys", str(tmp_path)]) == 0
    mobile = capsys.readouterr().out
    assert '"channel": "clevertap-inapp"' in mobile and 'data-position="fill"' in mobile
    assert "<iframe" not in mobile and "How likely?" in mobile
    # CleverTap's Liquid (in-app messages take it) fills the recipient's Identity when it sends.
    assert '"identities": {"clevertap_identity": "{{ Profile.Identity | default: \'null\' }}"}' in mobile
    assert main(["embed", "clevertap-popup", "rate", "--base-url", "https://cdn.test/s/",
                 "--surveys", str(tmp_path)]) == 0
    assert '"campaign": "##campaignId##"' in capsys.readouterr().out
    assert main(["embed", "braze-inapp", "nope", "--base-url", "https://cdn.test/s/", "--surveys", str(tmp_path)]) == 1
    assert "no survey 'nope'" in capsys.readouterr().err
    assert main(["embed", "braze-inapp", "rate", "--base-url", "ftp://x", "--surveys", str(tmp_path)]) == 2
    assert "--base-url must be an http(s) URL" in capsys.readouterr().err
    assert main(["embed", "clevertap-inapp", "rate", "--base-url", "ftp://x", "--surveys", str(tmp_path)]) == 2


def test_email_links_for_every_one_click_type(tmp_path, capsys):
    import re
    for kind, extra, expected in [("csat", "", ["1", "2", "3", "4", "5"]), ("yes_no", "", ["Yes", "No"]),
                                  ("dropdown", ", choices: [S, M]", ["S", "M"])]:
        (tmp_path / "s.yaml").write_text("id: one\nsite: shop\nname: One\ntrigger: {type: manual}\n"
                                         "questions:\n  - {id: q, type: " + kind + ", prompt: Q" + extra + "}\n")
        assert main(["embed", "email", "one", "--base-url", "https://cdn.test/s/", "--surveys", str(tmp_path)]) == 0
        html = capsys.readouterr().out
        assert re.findall('answer=([^"&]+)"', html) == expected, kind
