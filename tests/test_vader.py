import pickle
from itertools import product

import numpy as np
import pytest
from vaderSentiment import vaderSentiment as vs

from kzmedia import vader

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

# sentences where the batch path (rules applied to all texts at once) could part from the
# per-sentence path: "but" where list.index finds an earlier equal value (acceptance 2.0,
# abilities 1.0: 2.0 * 0.5 == 1.0; abandoned -2.0, bastards -3.0: -2.0 * 1.5 == -3.0), "no",
# "least", boosters and negations at every distance, capitals, idioms, emoji, punctuation
BATCH_CASES = [
    "acceptance of abilities but whatever", "Fine, but abandoned by bastards",
    "acceptance of abilities but abandoned by bastards!", "abandoned the abandoned but ok",
    "abilities acceptance but bastards abandoned", "good but", "but good", "good BUT bad",
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


def reference(sentences, lexicon_overrides=None):
    sia = vs.SentimentIntensityAnalyzer()
    if lexicon_overrides:
        sia.lexicon = {**sia.lexicon, **lexicon_overrides}
    return np.array([[d[k] for k in vader.COLUMNS] for d in map(sia.polarity_scores, sentences)])


@pytest.fixture(scope="module")
def scorer():
    return vader.Vader()


@pytest.fixture(scope="module")
def sentences():
    return EDGE_CASES + combinatorial_sentences()


def assert_same(ours, ref, sentences):
    bad = [(sentences[i], ref[i].tolist(), ours[i].tolist())
           for i in np.flatnonzero((ours != ref).any(axis=1))]
    assert not bad, bad[:5]


def test_enough_cases(sentences):
    assert len(sentences) > 500


def test_scores_equal_vadersentiment(scorer, sentences):
    ours = scorer.scores(sentences)
    assert ours.shape == (len(sentences), 4) and ours.dtype == np.float64
    assert_same(ours, reference(sentences), sentences)


@pytest.mark.parametrize("overrides", [None, {"but": 1.0, "least": -1.0, "so": 1.0},
                                       {"no": 0.0, "good": -0.0, "doubt": 0.0}])
def test_batch_path_equals_reference_and_single_texts(overrides):
    scorer = vader.Vader(overrides)
    batch = scorer.scores(BATCH_CASES)
    single = np.array([[scorer.polarity_scores(t)[k] for k in vader.COLUMNS]
                       for t in BATCH_CASES])
    alone = np.concatenate([scorer.scores([t]) for t in BATCH_CASES])  # batches of one
    for ours in (batch, single, alone):
        assert_same(ours, reference(BATCH_CASES, overrides), BATCH_CASES)


def test_polarity_scores_dict_equal(scorer):
    sia = vs.SentimentIntensityAnalyzer()
    for s in EDGE_CASES:
        assert scorer.polarity_scores(s) == sia.polarity_scores(s), s


def test_known_values(scorer):
    assert scorer.polarity_scores("") == {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}
    assert scorer.polarity_scores("Russia invaded Ukraine.") == {
        "neg": 0.0, "neu": 1.0, "pos": 0.0, "compound": 0.0}
    assert scorer.polarity_scores("The book was good.")["compound"] == 0.4404
    assert scorer.polarity_scores("The book was not good.")["compound"] < 0


def test_repeated_and_reordered_batches_agree(scorer, sentences):
    # memos carry over between calls; results must not depend on what came before
    first = scorer.scores(sentences)
    again = scorer.scores(sentences[::-1])[::-1]
    fresh = vader.Vader().scores(sentences[::-1])[::-1]
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, fresh)


def test_lexicon_matches_package(scorer):
    sia = vs.SentimentIntensityAnalyzer()
    assert scorer.lexicon == sia.lexicon
    assert scorer.emojis == sia.emojis


def test_lexicon_overrides(sentences):
    overrides = {"good": 0.0, "bad": 0.0, "united": 0.0, "fine": 0.0}
    before = dict(vs.SentimentIntensityAnalyzer().lexicon)
    neutral = vader.Vader(lexicon_overrides=overrides)
    ours = neutral.scores(sentences)
    assert_same(ours, reference(sentences, overrides), sentences)
    # a fresh analyzer, the default scorer and the module constants are untouched
    assert vs.SentimentIntensityAnalyzer().lexicon == before
    assert vader.Vader().lexicon["good"] == before["good"] == 1.9
    assert neutral.lexicon["good"] == 0.0
    assert neutral.polarity_scores("The book was good.")["compound"] == 0.0
    assert vader.analyzer({"good": 0.0}).polarity_scores("good")["compound"] == 0.0


def test_overrides_are_copied():
    overrides = {"good": 0.0}
    scorer = vader.Vader(overrides)
    overrides["good"] = 3.0
    assert scorer.polarity_scores("good")["compound"] == 0.0


def test_override_keys_must_be_lowercase():
    with pytest.raises(ValueError, match="lowercase"):
        vader.Vader({"Good": 0.0})


def test_n_jobs_identical(scorer, sentences):
    serial = scorer.scores(sentences)
    parallel = scorer.scores(sentences, n_jobs=2, chunk_size=37)
    np.testing.assert_array_equal(serial, parallel)
    np.testing.assert_array_equal(vader.Vader(n_jobs=2).scores(sentences), serial)


def test_empty_batch_and_types(scorer):
    assert scorer.scores([]).shape == (0, 4)
    with pytest.raises(TypeError):
        scorer.scores(["good", None])


def test_pickle_roundtrip(scorer, sentences):
    scorer.scores(sentences[:10])  # builds the memos; they must not be pickled
    clone = pickle.loads(pickle.dumps(scorer))
    assert clone._fns is None
    np.testing.assert_array_equal(clone.scores(sentences), scorer.scores(sentences))


def test_memo_stays_bounded():
    memo = vader._Memo(str.upper, limit=3)
    assert [memo[k] for k in "abcdef"] == list("ABCDEF")
    assert len(memo) <= 3
    words = vader._Memo(vader._word, limit=3)
    assert [words[t] for t in ("Good!", "BAD", "ok.", ":)", "Nice,", "(x)")] == [
        "good", "bad", "ok.", ":)", "nice", "(x)"]
    assert len(words) <= 3


def test_token_codes_split_as_python():
    """The batch path's tokens are those of str.split(): Unicode whitespace (ideographic
    space, NEL, the information separators), leading, trailing and repeated whitespace, empty
    and whitespace-only texts; a text Arrow cannot take (a lone surrogate) goes through
    Python's split."""
    texts = ["", "   ", " a  b ", "\u3000x\u3000y", "a\x1cb\x85c\u2028d", "Good\tBAD\n\nok!",
             "tab\x0bvt\x0cff", "no-space", "a \u00a0 b\u200bc"]
    for batch in (texts, texts + ["lone \ud800 surrogate ok"]):
        memo = {}

        class Codes(dict):
            def __missing__(self, token):
                code = self[token] = memo.setdefault(token, len(memo))
                return code

        lens, codes = vader._token_codes(batch, Codes())
        assert lens.tolist() == [len(t.split()) for t in batch]
        assert codes.tolist() == [memo[tok] for t in batch for tok in t.split()]


def test_batch_scores_texts_with_unusual_whitespace(scorer):
    analyzer = vs.SentimentIntensityAnalyzer()
    texts = ["\u3000good\u3000", " great  day ", "bad\x1cthing", "\ud800 good"]
    got = scorer.scores(texts)
    for text, row in zip(texts, got):
        want = analyzer.polarity_scores(text)
        assert row.tolist() == [want[c] for c in vader.COLUMNS], text


def test_batch_token_words_ascii_and_not(scorer):
    """The batch path normalises ASCII tokens with Arrow and the others in Python: in one
    batch, tokens with punctuation to strip (or too short to strip), negations with "n't",
    capitals, and non-ASCII letters score as the reference scores them."""
    analyzer = vs.SentimentIntensityAnalyzer()
    texts = ["ISN'T that GOOD?", "(good) [bad] {nice}", "!!!great!!!", "ok :) :-( ;)", "x",
             "Aren't you HAPPY", "Café très GOOD", "naïve but LOVELY", "ﬁne good", "İSTANBUL nice",
             "GOOD—bad", "“great” ‘awful’", "no-good deal", "a.b.c good", "Don’t like it",
             "WON'T WORK, not GOOD", "''good''", "1st-rate GOOD 2", "ÆØÅ bad"]
    got = scorer.scores(texts)
    for text, row in zip(texts, got):
        want = analyzer.polarity_scores(text)
        assert row.tolist() == [want[c] for c in vader.COLUMNS], text
