"""The pattern engine: grammar, trie, the reference matcher's rules by hand, and the contract
of the fast matcher (kzmedia.fast.matcher): the same spans and matches as the reference."""

import random
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from kzmedia import actors, corpus, frames, patterns, text
from kzmedia.fast import matcher as fast_matcher
from kzmedia.patterns import Entry, Matcher, Pattern, Word, compile_pattern, parse

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEP = r"[\s\-\u2010\u2011]"


# --------------------------------------------------------------------------- grammar

def test_parse_into_words_parts_and_wildcards():
    p = parse("Multi-vector* foreign  policy", case_sensitive=False)
    assert p == Pattern("Multi-vector* foreign  policy",
                        (Word(("Multi", "vector"), True), Word(("foreign",)), Word(("policy",))))
    assert parse("US", case_sensitive=True).case_sensitive
    assert parse("Nur\u2011Sultan").words == (Word(("Nur", "Sultan")),)


def test_regex_source_of_each_rule():
    assert compile_pattern("multi-vector*") == rf"(?i:(?<!\w)multi{SEP}?vector\w*(?!\w))"
    assert compile_pattern("middle corridor") == rf"(?i:(?<!\w)middle{SEP}+corridor(?!\w))"
    assert compile_pattern("People's Republic", case_sensitive=True) == \
        r"(?<!\w)People['" + "\u2019" + rf"]s{SEP}+Republic(?!\w)"
    assert compile_pattern("C5+1") == r"(?i:(?<!\w)C5\+1(?!\w))"
    assert text.compile_pattern is compile_pattern              # kept importable from text


def test_units_one_per_character_separator_or_wildcard():
    assert parse("Ab-c d*").units() == ["A", "b", SEP + "?", "c", SEP + "+", "d", r"\w*"]
    assert parse("Ab'C").units(lower=True) == ["a", "b", "['\u2019]", "c"]
    assert parse("\u0130stanbul").units(lower=True)[0] == "i"    # one character for one


@pytest.mark.parametrize("bad, reason", [
    ("", "empty pattern"), ("   ", "empty pattern"), (None, "empty pattern"),
    ("co*op", "'\\*' is allowed only at the end of a word"), ("*", "only at the end"),
    ("a **", "only at the end"), ("-x", "a hyphen must join two parts"),
    ("a--b", "a hyphen must join"), ("x- y", "a hyphen must join"),
])
def test_grammar_errors(bad, reason):
    with pytest.raises(ValueError, match=reason):
        parse(bad)
    with pytest.raises(ValueError, match=rf"^my.yaml: frame 'f': pattern .* cannot be compiled: .*{reason}"):
        parse(bad, where="my.yaml: frame 'f'")


def test_key_of_patterns_that_match_the_same_text():
    assert parse("Russia").key == parse("RUSSIA").key
    assert parse("US", True).key != parse("us", True).key != parse("us").key
    assert parse("multi-vector").key != parse("multivector").key   # different texts


# --------------------------------------------------------------------------- trie

def test_trie_regex_by_hand():
    assert patterns.trie_regex([["a", "b"], ["a"], ["c"]]) == "(?:a(?:b)?|c)"
    rx = re.compile(patterns.trie_regex(list(w) for w in ["un", "united", "united nations"]))
    assert rx.match("united nations").group(0) == "united nations"      # the longest
    assert rx.match("united states").group(0) == "united"
    assert re.search(patterns.trie_regex([]), "anything") is None


# --------------------------------------------------------------------------- reference rules

def gazetteer(*aliases, strip=()):
    """(alias, case_sensitive, vector) -> a gazetteer's matcher; target = the alias."""
    return Matcher([Entry(a, cs, a, v) for a, cs, v in aliases], strip)


def codebook(*items, strip=()):
    return Matcher([Entry(p, False, (f, p), f, ctx) for p, f, ctx in items], strip,
                   overlapping=True)


def kept(m, text, context=None):
    _, s, e, _, t = m.matches([text], context)
    return [(text[a:b], x) for a, b, x in zip(s, e, t)]


def test_gazetteer_longest_match_from_the_left_one_span_one_target():
    m = gazetteer(("Russia", False, "ru"), ("Russian Federation", False, "ru"),
                  ("Federation Council", False, "ru"), ("Council", False, "org"))
    assert kept(m, "The Russian Federation Council met.") == [
        ("Russian Federation", "Russian Federation"), ("Council", "Council")]
    assert kept(m, "Russia's council") == [("Russia", "Russia"), ("council", "Council")]


def test_gazetteer_same_span_longer_pattern_then_first_listed():
    m = gazetteer(("multivector", False, "a"), ("multi-vector", False, "b"))
    assert kept(m, "a multivector course") == [("multivector", "multi-vector")]
    m = gazetteer(("Turkey", True, "a"), ("turkey", False, "b"))
    assert kept(m, "Turkey and turkey") == [("Turkey", "Turkey"), ("turkey", "turkey")]


def test_codebook_each_key_once_per_span_and_overlaps_within_a_key():
    m = codebook(("foreign policy", "f1", ()), ("balanced foreign policy", "f1", ()),
                 ("policy", "f2", ()), ("foreign", "f2", ()))
    assert kept(m, "A balanced foreign policy.") == [
        ("balanced foreign policy", ("f1", "balanced foreign policy")),
        ("foreign", ("f2", "foreign")), ("policy", ("f2", "policy"))]


def test_strip_phrases_remove_every_match_they_overlap():
    m = gazetteer(("Astana", False, "kz"), ("the West", True, "west"),
                  strip=("Astana Times", "West Kazakhstan"))
    assert kept(m, "The Astana Times said Astana.") == [("Astana", "Astana")]
    assert kept(m, "Oil from the West Kazakhstan region and the West.") == [
        ("the West", "the West")]
    assert kept(gazetteer(("a b", False, "x"), strip=("b c",)), "a b c") == []


def test_context_gates():
    m = codebook(("deal", "china", ("china",)), ("trade", "econ", ()))
    ctx = [set()]

    def context(texts):
        assert texts == ["The deal on trade."]
        return ctx

    assert kept(m, "The deal on trade.", context) == [("trade", ("econ", "trade"))]
    ctx[0] = {"china"}
    assert [t for _, t in kept(m, "The deal on trade.", context)] == [
        ("china", "deal"), ("econ", "trade")]
    assert len(kept(m, "The deal on trade.")) == 2               # no context: not gated


def test_every_position_of_one_pattern():
    m = Matcher([Entry("a a", False, "x", "x")])
    assert m.spans(["a a a"]) == [(0, 0, 3, 0), (0, 2, 5, 0)]
    assert kept(m, "a a a") == [("a a", "x")]


def test_spans_first_come_and_replace():
    assert patterns.first_come([(0, 0, 3), (2, 1, 5), (5, 0, 6)]) == [(0, 3), (5, 6)]
    assert patterns.replace_spans("Ann met Bob.", [(0, 3), (8, 11)], "X") == "X met X."
    assert patterns.replace_spans("abc", [], "X") == "abc"


def test_match_table():
    sents = pd.DataFrame({"doc_id": ["d1", "d2"], "sent_id": [0, 3],
                          "sentence": ["Russia met China.", "China."]})
    m = Matcher([Entry("Russia", False, ("ru", "Russia"), "ru"),
                 Entry("China", False, ("cn", "China"), "cn")])
    texts = sents.sentence.tolist()
    out = patterns.match_table(sents, texts, m.matches(texts), ("vector", "alias"))
    assert out.to_dict("list") == {"doc_id": ["d1", "d1", "d2"], "sent_id": [0, 0, 3],
                                   "vector": ["ru", "cn", "cn"],
                                   "alias": ["Russia", "China", "China"],
                                   "match": ["Russia", "China", "China"]}


def test_read_yaml_and_as_list(tmp_path):
    data, where = patterns.read_yaml(None, "frames.yaml")
    assert "frames" in data and where == "kzmedia/data/frames.yaml"
    assert patterns.read_yaml({"a": 1}, "x.yaml") == ({"a": 1}, "<dict>")
    with pytest.raises(ValueError, match="file not found"):
        patterns.read_yaml(tmp_path / "missing.yaml", "x.yaml")
    (tmp_path / "bad.yaml").write_text("a: [\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        patterns.read_yaml(tmp_path / "bad.yaml", "x.yaml")
    assert patterns.as_list(None, "w") == [] and patterns.as_list("a", "w") == ["a"]
    with pytest.raises(ValueError, match="w: expected a list"):
        patterns.as_list({"a": 1}, "w")


def test_matcher_is_built_once_and_by_method():
    gaz = actors.load_gazetteer()
    assert gaz.matcher() is gaz.matcher()
    assert isinstance(gaz.matcher(), fast_matcher.FastMatcher)
    assert type(gaz.matcher("reference")) is Matcher
    with pytest.raises(ValueError, match="method"):
        gaz.matcher("quick")


# --------------------------------------------------------------------------- fast == reference

def package_matchers():
    gaz = actors.load_gazetteer()
    cb = frames.load_codebook(gazetteer=gaz)
    gm = gaz.matcher("reference")

    def context(texts):
        present = [set() for _ in texts]
        for k, *_, t in zip(*gm.matches(texts)):
            present[k].add(t[0])
        return present

    return [(gaz.matcher("reference"), gaz.matcher(), None),
            (cb.matcher("reference"), cb.matcher(), context)]


def assert_same(ref, fast, texts, context=None):
    assert fast.spans(texts) == ref.spans(texts)
    assert fast.matches(texts, context) == ref.matches(texts, context)


def test_fast_matcher_equals_reference_on_the_seeds():
    sents = text.sentences(corpus.load(SEEDS))["sentence"].tolist()
    for ref, fast, context in package_matchers():
        assert_same(ref, fast, sents, context)
        assert len(ref.matches(sents)[0]) > 50
        many = sents * (fast_matcher.PREFILTER_MIN // len(sents) + 1)    # prefiltered
        assert fast.candidates(many) is not None
        assert_same(ref, fast, many, context)


TRICKY = [
    "Relations with the", "West improved; the West too.", "", "US", "us and the US.",
    "Putin\x00Putin met Xi Jinping.", "\u0130stanbul hosted Russia and T\u00fcrkiye.",
    "The Astana Times: Astana and Nur-Sultan, West Kazakhstan Region.", "Kazakhstan",
    "Belt\u00a0and Road projects", "the Belt and\u2010Road", "Nur\u2011Sultan talks", "NUR-SULTAN",
    "diversifi\u00e9es partnerships", "Diversified partnerships", "One Belt, One Road", "(China)",
    "Xi\tJinping", "U.S.-led", "u.s. troops", "the USA and U.S.A.", "\u212azakhstan",
    "Erdo\u011fan and ERDO\u011eAN", "Orb\u00e1n", "the EU\u2019s", "Moscow\u2019s line",
    "Kazakhstan\u2019s", "Chinas", "Sino-Russian", "RUSSIA", "Astana,", "unıted nations",
    "ſino-Russian ties", "ΣΟΣ and Russia", "Chinese investment in Kazakhstan rose.",
    "A multi-", "vector policy. Belt and Road.", "Trade with the World Trade Center grew.",
    "Multi\x00vector talk; non-profit trade.", "İİ Russia İ", "balance between Russia and China",
]


def test_fast_matcher_equals_reference_on_hand_made_texts():
    for ref, fast, context in package_matchers():
        assert_same(ref, fast, TRICKY, context)
        many = TRICKY * (fast_matcher.PREFILTER_MIN // len(TRICKY) + 1)  # prefiltered
        keep = fast.candidates(many)
        assert keep is not None and 0 < len(keep) < len(many)
        assert_same(ref, fast, many, context)
        for k, t in enumerate(TRICKY):                 # and one text at a time
            assert fast.spans([t]) == [(k2 * 0, s, e, p) for k2, s, e, p in ref.spans(TRICKY)
                                       if k2 == k]


def variants(pattern: Pattern, rng: random.Random) -> str:
    """One text the pattern matches, in some letter case and spelling."""
    seps = [" ", "  ", "-", "\u2010", "\u2011", "\u00a0", "\t", " - "]
    out = []
    for wi, word in enumerate(pattern.words):
        if wi:
            out.append(rng.choice(seps))
        for pi, part in enumerate(word.parts):
            if pi:
                out.append(rng.choice(["", "-", " ", "\u2011"]))
            for ch in part:
                if ch in "'\u2019":
                    ch = rng.choice("'\u2019")
                elif not pattern.case_sensitive:
                    ch = rng.choice([ch.lower(), ch.upper(), ch])
                out.append(ch)
        if word.star:
            out.append(rng.choice(["", "s", "ation", "\u00e9s"]))
    return "".join(out)


def test_fast_matcher_equals_reference_on_generated_texts():
    rng = random.Random(7)
    around = ["", " ", "x", "the ", "(", ")", "'s", "-", ".", ", ", "ian", "\u0131", "\u017f",
              "\u0130", "\u212a", "\x00", "_", "2", "\u2019"]
    for ref, fast, context in package_matchers():
        pats = ref.patterns
        texts = []
        for _ in range(1500):
            parts = [rng.choice(around)]
            for _ in range(rng.randint(1, 3)):
                parts += [variants(rng.choice(pats), rng), rng.choice(around),
                          rng.choice([" ", " and ", "-", "", " the "])]
            texts.append("".join(parts))
        assert_same(ref, fast, texts, context)


def random_pattern(rng: random.Random) -> str:
    words = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        word = "-".join("".join(rng.choice("abIS'") for _ in range(rng.randint(1, 3)))
                        for _ in range(rng.choice([1, 1, 2])))
        words.append(word + ("*" if rng.random() < 0.2 else ""))
    return " ".join(words)


def test_fast_matcher_equals_reference_on_random_patterns():
    """Small random pattern sets (both rules, strip phrases, gates, case-sensitive
    patterns) on random texts over the same letters, separators, and letters that
    lower-casing and case-insensitive matching treat differently."""
    rng = random.Random(11)
    alphabet = list("abABiIsS'\u2019 -.x") + ["\u0131", "\u0130", "\u017f", "\u2010", "  ", "\x00"]

    def context(texts):
        return [{len(t) % 3} for t in texts]

    for case in range(150):
        entries = []
        for i in range(rng.randint(1, 8)):
            pat = random_pattern(rng)
            if pat.startswith("'"):
                pat = "a" + pat
            entries.append(Entry(pat, rng.random() < 0.3, (i, pat), rng.choice("kl"),
                                 (rng.randrange(3),) if rng.random() < 0.3 else ()))
        strip = tuple(random_pattern(rng) for _ in range(rng.choice([0, 0, 1, 2])))
        strip = tuple(s for s in strip if not s.startswith("'"))
        overlapping = rng.random() < 0.5
        ref = Matcher(entries, strip, overlapping)
        fast = fast_matcher.FastMatcher(entries, strip, overlapping)
        texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
                 for _ in range(30)]
        texts += [" ".join(variants(rng.choice(ref.patterns), rng) for _ in range(3))
                  for _ in range(10)]
        if case % 2:
            texts *= fast_matcher.PREFILTER_MIN // len(texts) + 1           # prefiltered
        assert fast.spans(texts) == ref.spans(texts), (case, entries, strip)
        assert fast.matches(texts, context) == ref.matches(texts, context), (case, entries)


def test_fast_matcher_over_several_batches():
    ref, fast, _ = package_matchers()[0]
    texts = (TRICKY * (fast_matcher.BATCH // len(TRICKY) + 2))[: fast_matcher.BATCH + 7]
    one = {t: ref.spans([t]) for t in TRICKY}
    want = [(k, s, e, p) for k, t in enumerate(texts) for _, s, e, p in one[t]]
    assert fast.spans(texts) == want


def test_lower_case_is_one_character_but_for_dotted_capital_i():
    # what the fast matcher's offsets rely on (it hands texts with İ to the reference)
    longer = [chr(c) for c in range(sys.maxunicode + 1) if len(chr(c).lower()) != 1]
    assert longer == ["\u0130"]


def test_stage_functions_by_method():
    a = corpus.load(SEEDS)
    s = text.sentences(a)
    pd.testing.assert_frame_equal(actors.mentions(a, sentences=s),
                                  actors.mentions(a, sentences=s, method="reference"))
    pd.testing.assert_frame_equal(frames.hits(a, sentences=s),
                                  frames.hits(a, sentences=s, method="reference"))
