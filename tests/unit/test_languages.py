"""Languages: the widget's words in ten languages, a survey's translations (checked at build),
chosen by the `language` trait, then the browser, then the survey's own; right-to-left."""

import pytest

from runtime import render, strings
from runtime.locale import pick_language
from runtime.schema import FormatError
from runtime.survey_format import load_survey

from .test_embed import answers, new_runtime, of, ui

FR = {"intro": "Une question", "thank_you": "Merci !", "questions": {
    "score": {"prompt": "Nous recommanderiez-vous ?", "labels": {"low": "Jamais", "high": "Sûrement"}},
    "why": {"prompt": "Pourquoi ?", "placeholder": "Vos mots"}}}


def test_ten_languages_every_word():
    assert set(strings.LANGUAGES) >= {"en", "fr", "de", "es", "pt", "nl", "it", "ja", "ar", "he"}
    assert strings.say("de", "e_at_least", n=2) == "Wählen Sie mindestens 2."


def test_the_language_trait_then_the_browser_then_the_surveys_own(site_data, clock):
    site_data["surveys"][0]["translations"] = {"fr": FR}
    rt, _ = new_runtime(site_data, clock)
    rt.visit.page.language = "fr-CA"                                    # the browser says French
    html = of(rt.command("event", ["bought"]), "mount")[0]["html"]
    assert "Nous recommanderiez-vous ?" in html and "Sûrement" in html and 'lang="fr"' in html
    error = of(ui(rt, "answer", "score", value="11"), "mount")[0]["html"]
    assert "Choisissez un nombre de 0 à 10." in error        # the widget's words in French too
    record = answers(of(ui(rt, "answer", "score", value="9"), "deliver")[0])[0]
    assert record["question"] == "How likely?"               # records keep the survey's own words
    other, _ = new_runtime(site_data, clock)
    other.language = "fr"
    other.command("identify", [{"language": "de"}])          # the trait wins; no German: the survey's own
    assert "How likely?" in of(other.command("event", ["bought"]), "mount")[0]["html"]


def test_right_to_left_for_arabic_and_hebrew():
    survey = load_survey({"id": "s", "site": "k", "name": "S", "language": "ar",
                          "questions": [{"id": "q", "type": "yes_no", "prompt": "هل أعجبك؟"}]})
    html = render.question(survey, 0)
    assert 'dir="rtl"' in html and ">نعم<" in html


@pytest.mark.parametrize("translation, words", [
    ({"questions": {"score": {"prompt": "x"}}}, "question 'why' is not translated"),
    ({"questions": {"score": {"prompt": "x"}, "why": {"prompt": "y"}, "ghost": {"prompt": "z"}}},
     "no question 'ghost' in this survey"),
])
def test_a_translation_must_cover_exactly_the_questions(translation, words):
    with pytest.raises(FormatError, match=words):
        load_survey({"id": "s", "site": "k", "name": "S", "translations": {"fr": translation}, "questions": [
            {"id": "score", "type": "nps", "prompt": "A"}, {"id": "why", "type": "text", "prompt": "B"}]})


def test_pick_language():
    survey = load_survey({"id": "s", "site": "k", "name": "S", "language": "en", "translations": {"fr": FR},
                          "questions": [{"id": "score", "type": "nps", "prompt": "A"},
                                        {"id": "why", "type": "text", "prompt": "B"}]})
    assert pick_language(survey, "fr") == "fr" and pick_language(survey, "ja") == "en"
