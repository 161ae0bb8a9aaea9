"""The contract of kzmedia.fast.vader: ``sentiment.score(texts, method="fast")`` equals
``method="reference"`` (vaderSentiment's ``polarity_scores``, one text at a time) on every
float, on sentences chosen for VADER's rules and on a few thousand sentences of prose."""
import random
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from vaderSentiment import vaderSentiment as vs

from kzmedia import corpus, sentiment, text
from kzmedia.fast import vader as fast_vader

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
COLUMNS = ["neg", "neu", "pos", "compound"]

EDGE_CASES = [
    "", " ", "\n\n", ".", "...", "!!!", "???", "?!?!", "!", "?", ":)", ":-(", "<3", "( '}{' )",
    "The book was good.", "The book was good!", "The book was good!!!!!!", "Was the book good??",
    "Was the book good???????", "Good!?!?", "VADER is smart, handsome, and funny.",
    "VADER is VERY SMART, handsome, and FUNNY.", "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.", "GOOD", "GOOD BAD", "THE BOOK WAS GOOD", "the book was GOOD",
    "The book was VERY good", "The book was very GOOD", "NOT good at all", "Not bad at all",
    "At least it isn't a horrible book.", "The book was only kind of good.", "It is kind of bad.",
    "He is kind.", "What kind of person", "kind of", "kind", "sort of good", "It was kinda good",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "but", "But good", "good but", "good but bad but good", "Good, but bad, but good, but bad.",
    "It was good but good but good", "bad bad but bad", "nice nice nice but nice nice",
    "Today SUX!", "Today only kinda sux! But I'll get by, lol", "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁", "I 💘 this😁", "😁😁😁", "😁 good", "good😁",
    "© 2023 All rights reserved", "Trademark™ good", "‼ wow", "🧿", "🀄 game",
    "Sentiment analysis has never been good.", "Sentiment analysis has never been this good!",
    "It was never so good", "never so good", "so good", "this good", "never this bad",
    "Most automated sentiment analysis tools are shit.", "With VADER, sentiment analysis is the shit!",
    "Other sentiment analysis tools can be quite bad.", "On the other hand, VADER is quite bad ass",
    "VADER is such a badass!", "Without a doubt, excellent idea.", "Without any doubt, excellent idea.",
    "Without doubt good", "without good", "Roger Dodger is one of the most compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "Roger Dodger is one of the least compelling variations on this theme.", "least good", "very least good",
    "the least good", "at least good", "Not such a badass after all.", "The bomb was the bomb",
    "That party was the bomb", "It will cut the mustard", "He can't cut the mustard", "yeah right good",
    "the kiss of death", "a cake to die for", "my beating heart", "the bus stop is nice", "bad ass",
    "It isn't good.", "It isnt good", "It is not good", "It is not very good", "not good", "not not good",
    "It isn’t good.", "It wasn’t bad at all", "I don’t like it", "don’t", "We can’t stand it",
    "no", "No.", "no good", "no no", "no problems", "There is no doubt", "no, good", "No good or bad",
    "no love or hate", "no love nor hate", "no sleep or love", "no sleep nor love", "NO GOOD",
    "The problem is no problem", "yes no maybe", "no way this is good no", "never good", "Never good.",
    "nothing good", "nor good", "seldom good", "despite good reviews", "without good intentions",
    "Hardly good", "barely bad", "slightly good", "extremely bad", "EXTREMELY bad", "extremely BAD",
    "The EXTREMELY bad movie", "ALL CAPS GOOD BAD UGLY", "A B C good", "I am OK", "I AM OK",
    "U.S. officials said the talks were productive.", "U.S. OFFICIALS SAID GOOD THINGS",
    "Russia invaded Ukraine.", "Peace talks collapsed.", "United Nations Security Council",
    "\u0130stanbul is great", "\u0130\u0130 good", "ΟΔΟΣ good", "Σ good", "ΑΣ. good", "ß good",
    "Straße ist gut", "naïve idea, great result", "good\u00a0bad", "good\tbad\nworse", "good\u2028bad",
    "good\u3000bad", "  padded good  ", "'good'", "\"good\"", "(good)", "--good--", "g.o.o.d",
    "a good b", "ab good", "xx good", "...good...", "good,", ",good", "'no' good", "n't good",
    "uh-uh good", "Uh-uh, good", "sort-of good", "kind-of bad", "just enough good", "just enough",
    "More good news and less bad news", "the most horrible, terrible, awful, no good, very bad day",
    "LOL", "lmao that was fun", "wtf", "RIP", "ur so gr8", "1 2 3 good 4 5 6",
    # idioms and n't-words three places back (after plain words)
    "he is a bad ass", "they said it was the bomb", "an old man with a beating heart",
    "the guys couldn't've been good", "they say it mightn't-ever be good",
]

# sentences where rules applied to all texts at once could part from the reference: "but"
# where list.index finds an earlier equal value (acceptance 2.0, abilities 1.0: 2.0 * 0.5 ==
# 1.0, which rescales acceptance again and leaves abilities as it was, when abilities comes
# after the "but"; abandoned -2.0, bastards -3.0: -2.0 * 1.5 == -3.0), "no",
# "least", boosters and negations at every distance, capitals, idioms, emoji, punctuation
BATCH_CASES = [
    "acceptance of abilities but whatever", "Fine, but abandoned by bastards",
    "acceptance of abilities but abandoned by bastards!", "abandoned the abandoned but ok",
    "abilities acceptance but bastards abandoned", "acceptance but abilities",
    "Acceptance is fine, but abilities matter", "ACCEPTANCE but abilities!", "good but", "but good", "good BUT bad",
    "good, but, but bad", "not good but not bad", "no good but no bad", "bad but at least good",
    "no", "no no", "no good", "no, good", "good no", "no problem or worry", "no problem nor worry",
    "no sleep or good", "no sleep and good", "no sleep or nor good", "no very good", "NO GOOD",
    "least good", "the least good", "at least good", "very least good", "least least good",
    "so good", "this good", "never so good", "never this good", "never so very good",
    "never x so good", "without doubt good", "without a doubt good", "without the doubt bad",
    "doubt good", "very good", "very very good", "very x good", "very x y good", "very x y z good",
    "VERY good", "very GOOD", "VERY GOOD", "VERY GOOD movie", "very bad", "VERY bad movie",
    "not very good", "not x very good", "isn't x y good", "isn’t x y good", "not x y z good",
    "hardly x good", "kind of good", "kind of", "a kind man", "sort of bad", "just enough good",
    "the bomb", "this is the bomb", "the kiss of death", "yeah right", "a cake to die for",
    "I AM HAPPY", "I am HAPPY", "i am HAPPY today", "HAPPY", "HAPPY sad", "A HAPPY day",
    "good!", "good!!", "good!!!!!!", "good?", "good??", "good????", "good?!?!", "bad!!!",
    "Good 😁", "😁", "💘 bad", "no 😁", "", " ", "\t", "good good good good good good",
    "good bad good bad good bad but good", "amazing, wonderful, no good, terrible but fine",
]


NEGATORS = ["", "not", "isn't", "isn’t", "never", "no", "without", "nothing", "rarely"]
BOOSTERS = ["", "very", "kind of", "EXTREMELY", "slightly", "so", "this", "least", "at least"]
WORDS = ["good", "bad", "GOOD", "love", "horrible", "doubt", "kind", "no", "bomb"]
ENDINGS = ["", ".", "!", "!!!", "?", "???", " :)"]


def combinatorial_sentences():
    out = []
    for i, (neg, boost, word, end) in enumerate(product(NEGATORS, BOOSTERS, WORDS, ENDINGS)):
        if i % 3:  # keep every third combination: a few hundred, all factors covered
            continue
        out.append(" ".join(w for w in ("The movie was", neg, boost, word) if w) + end)
    for a, b in product(["good", "not bad", "very bad", "no love"], ["great", "not good", "awful!"]):
        out.append(f"It was {a}, but it was {b}")
        out.append(f"It was {a} BUT it was {b} but fine")
    return out


# tokens as str.split() makes them: Unicode whitespace, leading, trailing and repeated
# whitespace; punctuation to strip (or too short to strip), "n't", capitals, letters beyond
# ASCII; a lone surrogate
TOKEN_CASES = [
    "", "   ", " a  b ", "\u3000x\u3000y", "a\x1cb\x85c\u2028d", "Good\tBAD\n\nok!",
    "tab\x0bvt\x0cff", "no-space", "a \u00a0 b\u200bc", "\u3000good\u3000", " great  day ",
    "bad\x1cthing", "\ud800 good", "lone \udfff surrogate, BAD", "ISN'T that GOOD?",
    "(good) [bad] {nice}", "!!!great!!!", "ok :) :-( ;)", "x", "Aren't you HAPPY",
    "Café très GOOD", "naïve but LOVELY", "ﬁne good", "İSTANBUL nice", "GOOD—bad",
    "“great” ‘awful’", "no-good deal", "a.b.c good", "Don’t like it", "WON'T WORK, not GOOD",
    "''good''", "1st-rate GOOD 2", "ÆØÅ bad", "€5 is a GREAT price", "… and “so” it goes",
    "ÆØÅ GOOD", "ΟΔΟΣ VERY BAD!", "ÆØÅ good GREAT",
]

# the words VADER's rules name, to put into prose
RULE_WORDS = ["not", "isn't", "never", "no", "without", "nor", "or", "so", "this", "very",
              "EXTREMELY", "kind of", "sort of", "least", "at least", "but", "BUT", "doubt",
              "hardly", "the bomb", "bad ass", "kiss of death", "yeah right", "GREAT", "bad"]


def prose(n_variants: int = 14, seed: int = 0) -> list[str]:
    """The sentences of the seed articles, each as it is, masked, and changed a few times
    at random: a word in capitals, a rule word inserted, words swapped, "!" or "?" added."""
    articles = corpus.load(SEEDS, lang=False, progress=False)
    plain = text.sentences(articles)["sentence"].tolist()
    mask = sentiment.make_masker()
    out = plain + [mask(s) for s in plain]
    rng = random.Random(seed)
    for s in plain:
        for _ in range(n_variants):
            words = s.split()
            if not words:
                continue
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(len(words))
                change = rng.randrange(4)
                if change == 0:
                    words[i] = words[i].upper()
                elif change == 1:
                    words.insert(i, rng.choice(RULE_WORDS))
                elif change == 2:
                    j = rng.randrange(len(words))
                    words[i], words[j] = words[j], words[i]
                else:
                    words[i] += rng.choice(["!", "!!", "?", "??", "???", ",", "."])
            out.append(" ".join(words))
    return out


def vadersentiment(texts, neutral_words=()):
    sia = vs.SentimentIntensityAnalyzer()
    sia.lexicon = {**sia.lexicon, **{w: 0.0 for w in neutral_words if w in sia.lexicon}}
    return np.array([[d[c] for c in COLUMNS] for d in map(sia.polarity_scores, texts)]
                    ).reshape(-1, 4)


def assert_same(ours: np.ndarray, ref: np.ndarray, texts):
    assert ours.shape == ref.shape == (len(texts), 4)
    bad = [(texts[i], ref[i].tolist(), ours[i].tolist())
           for i in np.flatnonzero((ours != ref).any(axis=1))]
    assert not bad, bad[:5]


def scores(texts, method, **kwargs) -> np.ndarray:
    out = sentiment.score(texts, method=method, **kwargs)
    return out[COLUMNS].to_numpy()


CASES = {"rules": EDGE_CASES + combinatorial_sentences(), "batch": BATCH_CASES,
         "tokens": TOKEN_CASES}


@pytest.fixture(scope="module")
def sentences():
    return prose()


def test_enough_cases(sentences):
    assert len(CASES["rules"]) > 500
    assert len(sentences) > 3000
    assert len(set(sentences)) > 2500


@pytest.mark.parametrize("name", CASES)
def test_fast_equals_reference_on_rule_cases(name):
    texts = CASES[name]
    ref = scores(texts, "reference")
    assert_same(ref, vadersentiment(texts), texts)
    assert_same(scores(texts, "fast"), ref, texts)


def test_fast_equals_reference_on_prose(sentences):
    ref = scores(sentences, "reference")
    assert_same(ref, vadersentiment(sentences), sentences)
    fast = sentiment.score(sentences, method="fast")
    assert_same(fast[COLUMNS].to_numpy(), ref, sentences)
    pd.testing.assert_series_equal(fast["label"],
                                   sentiment.score(sentences, method="reference")["label"])


@pytest.mark.parametrize("neutral", [("good", "bad", "united", "fine"),
                                     ("no", "doubt", "kind", "love", "great", "NOT-A-WORD"),
                                     ("Security", "SUPPORT", "peace")])
def test_neutral_words(neutral, sentences):
    texts = CASES["rules"] + CASES["batch"] + sentences[::4]
    ref = scores(texts, "reference", neutral_words=neutral)
    assert_same(ref, vadersentiment(texts, [w.lower() for w in neutral]), texts)
    assert_same(scores(texts, "fast", neutral_words=neutral), ref, texts)


def test_each_text_alone_as_in_a_batch():
    """Texts scored together give the scores each gets alone, in any order."""
    texts = CASES["batch"] + CASES["tokens"]
    together = fast_vader.scores(texts)
    alone = np.concatenate([fast_vader.scores([t]) for t in texts])
    assert_same(alone, together, texts)
    assert_same(fast_vader.scores(texts[::-1])[::-1], together, texts)


def test_more_texts_than_one_batch():
    texts = (CASES["batch"] * (fast_vader.BATCH_SIZE // len(CASES["batch"]) + 2))
    assert len(texts) > fast_vader.BATCH_SIZE
    assert_same(fast_vader.scores(texts), np.tile(vadersentiment(CASES["batch"]),
                                                  (len(texts) // len(CASES["batch"]), 1)), texts)


def test_known_values():
    for method in ("fast", "reference"):
        out = sentiment.score(["", "Russia invaded Ukraine.", "The book was good.",
                               "The book was not good."], method=method)
        assert out.loc[0, COLUMNS].tolist() == [0.0, 0.0, 0.0, 0.0]
        assert out.loc[1, COLUMNS].tolist() == [0.0, 1.0, 0.0, 0.0]
        assert out.loc[2, "compound"] == 0.4404
        assert out.loc[3, "compound"] < 0


def test_analyzer_lexicon():
    sia = vs.SentimentIntensityAnalyzer()
    assert sentiment.analyzer().lexicon == sia.lexicon
    assert sentiment.analyzer().emojis == sia.emojis
    neutral = sentiment.analyzer(["GOOD", "bad", "notaword"])
    assert neutral.lexicon["good"] == neutral.lexicon["bad"] == 0.0
    assert "notaword" not in neutral.lexicon  # words are neutralised, never added
    # the default analyzer and vaderSentiment's lexicon are untouched
    assert sentiment.analyzer().lexicon["good"] == vs.SentimentIntensityAnalyzer().lexicon[
        "good"] == 1.9


def test_empty_and_unknown_method():
    for method in ("fast", "reference"):
        assert sentiment.score([], method=method).shape == (0, 5)
        assert sentiment.vader_scores([]).shape == fast_vader.scores([]).shape == (0, 4)
    with pytest.raises(ValueError, match="method"):
        sentiment.score(["good"], method="quick")
