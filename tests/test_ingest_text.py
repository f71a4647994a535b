"""Plain-text ingest on the example article: the story whole, the chrome gone."""

import re

import pytest

from newssift.ingest import read_input, read_text
from newssift.ingest.chrome import classify_lines, pattern_reason

STORY_PARAGRAPH_STARTS = [
    "Finally…a foreign policy agenda",
    "The Duran broke the Trump-Putin phone call",
    "We are tempered in our excitement",
    "According to a variety of news wires",
    "“Work to channel bilateral relationships",
    "In other words the two leaders",
    "In a statement from the Kremlin",
    "“The importance of creating a solid basis",
    "The Kremlin added that the countries should",
    "RT reports further on the breaking news",
    "In their telephone conversation",
    "Putin and Trump paid special attention",
    "The president and the president-elect agreed",
    "Next year, Russia and the US will celebrate 210 years",
    "Trump’s team has issued a statement",
    "Trump is “very much looking forward",
    "Russian parliament speaker Vyacheslav Volodin told NTV",
    "“Putin and Trump have numerous common points",
    "He noted that outgoing President Barack Obama",
    "“If Trump brings his promises to life",
]
CHROME = ["0 0 vote", "Article Rating", "Help us grow", "Patreon", "The statements, views and opinions",
          "What do you think?", "Notify of", "Inline Feedbacks", "View all comments",
          "Is it too early for Russia to rejoice", "widespread geopolitical implications", "in ,"]


@pytest.fixture(scope="module")
def example_article(example_path):
    return read_input(str(example_path))


def test_example_title(example_article):
    assert example_article.title == "CONFIRMED: Trump and Putin will work together to destroy ISIS!"


def test_example_keeps_every_story_paragraph_whole(example_article, example_text):
    paragraphs = example_article.text.split("\n\n")
    assert len(paragraphs) == len(STORY_PARAGRAPH_STARTS)
    for start, paragraph in zip(STORY_PARAGRAPH_STARTS, paragraphs):
        assert paragraph.startswith(start)
        assert paragraph in example_text  # nothing of a paragraph was changed


def test_example_drops_all_chrome(example_article):
    for chrome in CHROME:
        assert chrome not in example_article.text, chrome
    reasons = {r.reason for r in example_article.removed}
    assert {"rating widget", "donation appeal", "disclaimer", "comment prompt", "related headlines"} <= reasons
    assert any("Patreon" in r.text for r in example_article.removed)


def test_example_language_detected(example_article):
    assert example_article.language == "en"


@pytest.mark.parametrize("line", [
    "He urged supporters to donate to the campaign before the deadline on Friday, officials said.",
    "Share prices fell sharply on Tuesday after the company reported a loss of $2 billion.",
    "Comments made by the minister were later withdrawn by her office.",
    "Related reports suggested that the talks would continue into next week, diplomats said.",
])
def test_story_sentences_that_mention_chrome_words_are_kept(line):
    assert pattern_reason(line) is None
    assert classify_lines(["The story begins here with a full sentence of news text.", line]) == [None, None]


def test_headline_like_lines_inside_the_story_are_kept():
    lines = ["Officials met on Monday to discuss the new budget plan for the city.",
             "A new plan for the harbour",
             "The plan includes three phases, the mayor said in a statement on Tuesday."]
    assert classify_lines(lines) == [None, None, None]


def test_text_without_title_line():
    article = read_text("The council met on Monday and agreed to replace the oldest water mains within three years, "
                        "the city said in a statement.")
    assert article.title is None
    assert article.text.startswith("The council met")


def test_sample_article_ships_and_reads(tmp_path):
    from tests.conftest import SAMPLE

    article = read_input(str(SAMPLE))
    assert article.title.startswith("PROVEN:")
    assert "Patreon" not in article.text and "Notify of" not in article.text
    assert article.text.rstrip().endswith("The council will vote on the final budget on March 3.")
    assert re.search(r"errand boy Lyle Osgood", article.text)
