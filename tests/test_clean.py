from pathlib import Path

import pandas as pd
import pytest

from kzmedia import clean

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

PAGE = """Home | World | Politics
World Politics Business Opinion

Minister visits neighbour to sign trade deal

The foreign minister's trip marks a thaw after years of tension.

By JANE DOE
Updated: March 3, 2024 10:15

The minister meets her counterpart in the capital. (Photo: Agency)
The minister meets her counterpart in the capital.

The foreign minister arrived on Monday for two days of talks on trade and transit.

Read more: Other story headline here

“Trade is the engine of our friendship.”

Jane Roe, minister

"Trade is the engine of our friendship," the minister told reporters after the talks.

New routes

Officials said the deal would open two new rail routes by the end of next year.

Advertisement

“We will not take sides,” she said.

Tags: trade, diplomacy
Most Popular
Another headline about something else entirely
Teaser sentence of another story that goes on for a good number of words here.
About Us
Contact
Privacy Policy
© 2024 Example Media. All rights reserved."""

PAGE_REASONS = [
    "navigation", "category strip", "blank", "headline", "blank", "standfirst", "blank",
    "byline", "date line", "blank", "caption", "duplicate caption", "blank", "body", "blank",
    "promo", "blank", "pull quote", "blank", "pull quote attribution", "blank", "body", "blank",
    "subheading", "blank", "body", "blank", "boilerplate", "blank", "body", "blank",
    "tag list", "most-read list", "most-read list", "most-read list",
    "footer", "footer", "footer", "footer",
]

PAGE_BODY = (
    "The foreign minister arrived on Monday for two days of talks on trade and transit.\n\n"
    '"Trade is the engine of our friendship," the minister told reporters after the talks.\n\n'
    "Officials said the deal would open two new rail routes by the end of next year.\n\n"
    "“We will not take sides,” she said."
)


def test_hand_written_page_exact_body_and_reasons():
    art = clean.clean_article(PAGE)
    assert art["text"] == PAGE_BODY
    audit = art["audit"]
    assert list(audit.columns) == ["line_no", "text", "kept", "reason"]
    assert audit["reason"].tolist() == PAGE_REASONS
    assert audit["kept"].tolist() == [r == "body" for r in PAGE_REASONS]
    assert audit["line_no"].tolist() == list(range(1, len(PAGE_REASONS) + 1))
    assert audit["text"].tolist() == PAGE.splitlines()


def test_hand_written_page_metadata():
    assert clean.sniff(PAGE) == {
        "title": "Minister visits neighbour to sign trade deal",
        "byline": "Jane Doe",
        "date": "2024-03-03",
        "date_precision": "day",
        "dateline": "",
    }


def test_wrappers_agree_with_clean_article():
    art = clean.clean_article(PAGE)
    assert clean.clean_text(PAGE) == art["text"]
    pd.testing.assert_frame_equal(clean.audit_text(PAGE), art["audit"])
    assert clean.sniff(PAGE) == {k: art[k] for k in ("title", "byline", "date", "date_precision", "dateline")}


BODY = [
    "The regional summit opened on Tuesday with a call for closer ties across the continent.",
    "Delegates spent the first day on transport corridors, customs rules and energy links.",
]


def test_glued_caption_is_cut_off_and_paragraph_kept():
    glued = ("Leaders pose for a photo at the summit in Astana, 2023"
             "The summit closed with a joint statement on transport corridors and energy.")
    raw = "\n\n".join([BODY[0], glued, BODY[1]])
    assert clean.clean_text(raw).split("\n\n") == [
        BODY[0],
        "The summit closed with a joint statement on transport corridors and energy.",
        BODY[1],
    ]
    audit = clean.audit_text(raw)
    assert audit.loc[audit["line_no"] == 3, "kept"].item()


@pytest.mark.parametrize("para", [
    "Officials watched the speech on YouTube before the vote on the new customs agreement began.",
    "Analysts say the new iPhone factory in the region will employ thousands of local workers.",
    "Talks at the summit, held in 2023 in Astana, ended without a joint statement on energy.",
])
def test_camel_case_words_are_not_mistaken_for_glued_captions(para):
    raw = "\n\n".join([BODY[0], para, BODY[1]])
    assert clean.clean_text(raw).split("\n\n") == [BODY[0], para, BODY[1]]


NEVER_SEEN = """Skip to content
NEWS | ANALYSIS | OPINION | VIDEO
Steppe Courier
Central Asia's independent daily

Almaty hosts regional water talks

Posted on 12 January 2021 by Staff Reporter
Share this article
ALMATY, Kazakhstan — Ministers from five Central Asian states met on Tuesday to discuss sharing the region's rivers.
The talks focused on the two great river basins, which feed farms across the whole region.
“Water is the question of the century for us,” one delegate said.
Delegates agreed to meet again in the spring to draft a common monitoring plan.
Related Articles
Drought hits wheat harvest
Dam project delayed again
Subscribe to our newsletter for weekly updates
Copyright 2021 Steppe Courier"""


def test_never_seen_outlet_without_blank_lines():
    art = clean.clean_article(NEVER_SEEN)
    lines = NEVER_SEEN.splitlines()
    assert art["text"] == "\n\n".join(lines[9:13])
    reasons = dict(zip(art["audit"]["line_no"], art["audit"]["reason"]))
    assert [reasons[k] for k in (1, 2, 3, 4, 6, 8, 9)] == [
        "boilerplate", "navigation", "navigation", "navigation", "headline", "date line", "boilerplate"]
    assert [reasons[k] for k in range(14, 19)] == [
        "most-read list", "most-read list", "most-read list", "promo", "footer"]
    assert art["title"] == "Almaty hosts regional water talks"
    assert (art["date"], art["date_precision"]) == ("2021-01-12", "day")
    assert art["byline"] == "Staff Reporter"
    assert art["dateline"] == "ALMATY, Kazakhstan"


PARAS = [
    "Ministers from five states met on Tuesday to discuss how to share the region's rivers.",
    "The talks focused on two river basins that feed farms across the whole region.",
    "Delegates agreed to meet again in the spring to draft a common monitoring plan.",
    "Officials said a treaty could be signed before the end of next year at the earliest.",
    "Farmers' groups welcomed the plan but warned that the summer would be dry again.",
]
BOX = ["Key facts", "Five states take part", "Talks began in 2018", "Water use is rising",
       "Two dams are planned", "A treaty is due in 2025"]


def test_body_runs_on_past_an_explainer_box():
    raw = "\n".join([*PARAS[:3], *BOX, *PARAS[3:]])
    art = clean.clean_article(raw)
    assert art["text"].split("\n\n") == PARAS
    assert art["audit"]["reason"].tolist() == ["body"] * 3 + ["subheading"] * 6 + ["body"] * 2


def test_tail_marker_ends_the_body_even_before_prose():
    raw = "\n".join([*PARAS[:3], "Most Read", *PARAS[3:], "Privacy Policy"])
    art = clean.clean_article(raw)
    assert art["text"].split("\n\n") == PARAS[:3]
    assert art["audit"]["reason"].tolist() == ["body"] * 3 + ["most-read list"] * 3 + ["footer"]


def test_outlet_rules_add_patterns_as_data():
    raw = "\n\n".join([BODY[0], "Listen to the podcast on our site", BODY[1]])
    assert clean.audit_text(raw)["reason"].tolist()[2] == "subheading"
    audit = clean.audit_text(raw, rules={"promo": [r"^Listen to the PODCAST"]})
    assert audit["reason"].tolist()[2] == "promo"
    assert clean.load_rules("Unknown Outlet") == clean.load_rules()
    assert clean.clean_article(PAGE, rules=clean.load_rules())["audit"].equals(clean.audit_text(PAGE))
    with pytest.raises(TypeError):
        clean.clean_text(raw, rules=["not", "a", "dict"])


def test_every_line_is_audited_whatever_the_line_endings():
    raw = BODY[0] + "\r\n\u00a0\r\n" + BODY[1] + "\rAdvertisement"
    audit = clean.audit_text(raw)
    assert len(audit) == len(raw.splitlines()) == 4
    assert audit["reason"].tolist() == ["body", "blank", "body", "boilerplate"]
    empty = clean.clean_article("")
    assert empty["text"] == "" and len(empty["audit"]) == 0
    assert list(empty["audit"].columns) == clean.AUDIT_COLUMNS


def test_similar_consecutive_sentences_are_not_captions():
    raw = "\n".join(["Paragraph one of the report describes the talks in detail for readers.",
                     "Paragraph two of the report describes the talks in detail for readers."])
    assert clean.audit_text(raw)["kept"].all()


def test_long_paragraph_scraped_twice_keeps_one_copy():
    para = " ".join(["The delegation discussed trade, transit and water with its hosts."] * 7)
    raw = "\n".join([BODY[0], para, para, BODY[1]])
    assert clean.clean_text(raw).split("\n\n") == [BODY[0], para, BODY[1]]
    assert clean.audit_text(raw)["reason"].tolist()[2] == "duplicate"


# --- seeds end to end -------------------------------------------------------------------

SEED_BODY_LINES = {
    "000": list(range(10, 27, 2)),
    "001": [k for k in range(15, 86, 2) if k not in (17, 19, 29, 31, 33)],
    "002": list(range(3, 58, 2)),
    "003": list(range(9, 26, 2)),
    "004": [1, 3, 5, *range(10, 29, 2), 33, 35, 37, 42, 44, 46, 51, 53, 55, 57, *range(62, 73, 2),
            76, 78, *range(83, 94, 2), 98, 100, 102, *range(107, 120, 2)],
}
GLUED = {("004", 76): "Meeting of the Shanghai Cooperation Organization (SCO), 2022"}


def _seed(prefix):
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("prefix", sorted(SEED_BODY_LINES))
def test_seed_body_paragraphs_exact(prefix):
    raw = _seed(prefix)
    lines = raw.splitlines()
    art = clean.clean_article(raw)
    paragraphs = art["text"].split("\n\n")
    expected = []
    for k in SEED_BODY_LINES[prefix]:
        line = lines[k - 1].strip()
        caption = GLUED.get((prefix, k))
        expected.append(line[len(caption):] if caption else line)
    assert len(paragraphs) == len(expected)
    assert paragraphs == expected
    audit = art["audit"]
    assert len(audit) == len(lines)
    assert audit.loc[audit["kept"], "line_no"].tolist() == SEED_BODY_LINES[prefix]
    assert (audit["reason"] == "body").tolist() == audit["kept"].tolist()


BOILERPLATE = ["Translate", "Advertisement", "Most Read", "Tags ", "Copyright", "photo credit",
               "credit:", "For more stories", "Get The", "Home »", "Sign up", "Privacy Policy"]


@pytest.mark.parametrize("prefix", sorted(SEED_BODY_LINES))
def test_seed_no_boilerplate_left(prefix):
    text = clean.clean_text(_seed(prefix))
    for word in BOILERPLATE:
        assert word not in text, word
    for para in text.split("\n\n"):
        assert para == para.strip() and para


def test_seed_metadata_lines_are_dropped_with_reasons():
    reasons = {p: dict(zip(a["line_no"], a["reason"]))
               for p in SEED_BODY_LINES for a in [clean.audit_text(_seed(p))]}
    assert [reasons["001"][k] for k in (1, 2, 3, 5, 7, 9, 10, 11, 12, 13, 17, 19, 29, 31, 33, 89, 91)] == [
        "navigation", "navigation", "category strip", "headline", "standfirst", "byline", "date line",
        "caption", "duplicate caption", "photo credit", "promo", "subheading", "caption", "pull quote",
        "pull quote attribution", "tag list", "most-read list"]
    assert {reasons["001"][k] for k in range(92, 117)} <= {"most-read list", "blank"}
    assert {reasons["001"][k] for k in range(117, 176)} == {"footer"}
    assert [reasons["000"][k] for k in (1, 2, 4, 6, 8, 28, 30)] == [
        "navigation", "category strip", "headline", "caption", "dateline", "boilerplate", "boilerplate"]
    assert [reasons["003"][k] for k in (1, 3, 5, 7, 27)] == [
        "category strip", "headline", "photo credit", "dateline", "boilerplate"]
    assert [reasons["002"][k] for k in (1, 60)] == ["headline", "promo"]
    assert [reasons["004"][k] for k in (7, 8, 30, 31, 74, 104, 105)] == [
        "caption", "duplicate caption", "caption", "duplicate caption", "blank",
        "caption", "duplicate caption"]


def test_seed_standfirst_and_captions_not_in_body():
    text = clean.clean_text(_seed("001"))
    assert "first foreign visit, a week after his reelection victory" not in text
    assert "attends a meeting with Russian Prime Minister" not in text
    assert "exchange documents during a signing ceremony" not in text
    assert "Tokayev makes overtures to Russia" not in text
    assert text.count("For Kazakhstan, Russia is and has always been a strategic partner") == 1
    text = clean.clean_text(_seed("004"))
    assert "Prime Ministers of member countries" not in text
    assert text.count("On March 19, 2023, Kazakhstan held nine") == 0
    assert "Astana city" not in clean.clean_text(_seed("000"))
    assert "Getty Image" not in clean.clean_text(_seed("003"))


def test_seed_sniffed_metadata():
    manifest = pd.read_csv(SEEDS / "manifest.csv", dtype=str).fillna("")
    titles = dict(zip(manifest["file"].str[:3], manifest["title"]))
    got = {p: clean.sniff(_seed(p)) for p in SEED_BODY_LINES}
    for prefix in ("000", "001", "002", "003"):
        assert got[prefix]["title"] == titles[prefix]
    assert got["004"]["title"] == ""
    assert got["001"]["byline"] == "Mohammad Al-Kassim / The Media Line"
    assert (got["001"]["date"], got["001"]["date_precision"]) == ("2022-12-05", "day")
    assert got["000"]["dateline"] == "Frankfurt, Brussels, London (15/12 – 40)."
    assert got["003"]["dateline"] == "Astana/Kazakhstan, Brussels (30/10 – 33)."
    for prefix in ("000", "003"):  # day/month without a year: no date claimed
        assert (got[prefix]["date"], got[prefix]["date_precision"]) == ("", "")
    for prefix in ("002", "004"):
        assert got[prefix] == {**got[prefix], "byline": "", "date": "", "dateline": ""}


# ------------------------------------------------------------------ scale and scripts


def _long_dump(n_paragraphs: int) -> str:
    lines = ["Home | World | Politics", "A headline about the talks", "By Jane Doe", ""]
    for k in range(n_paragraphs):
        lines += [f"Paragraph {k} tells how delegation {k % 97} met officials number {k * 7} "
                  "to discuss trade and water in the region.", ""]
    return "\n".join(lines)


def test_cleaning_time_grows_linearly_with_the_input():
    import time

    def seconds(n):  # the fastest of two runs, to damp a busy machine
        text = _long_dump(n)
        best = float("inf")
        for _ in range(2):
            t = time.perf_counter()
            result = clean.clean_article(text)
            best = min(best, time.perf_counter() - t)
        assert result["text"].count("\n\n") == n - 1  # every paragraph kept
        return best

    small, large = seconds(2_000), seconds(16_000)  # about 0.25 MB and 2 MB
    # linear: about 8 times as long; quadratic (searching the whole body for each line): 64
    assert large / small < 24


def test_pull_quote_found_in_a_long_body_as_in_a_short_one():
    quote = "the engine of our friendship is trade across the steppe and the sea"
    for n in (5, 400):  # a short body is searched whole, a long one through an index
        paras = [f"Paragraph {k} tells how delegation {k} met officials to discuss trade."
                 for k in range(n)]
        paras[n // 2] = f"The minister said that {quote}, according to reporters there."
        lines = paras[: n // 2 + 2] + [quote.capitalize()] + paras[n // 2 + 2:]
        audit = clean.clean_article("\n\n".join(lines))["audit"]
        assert audit.loc[audit["text"] == quote.capitalize(), "reason"].tolist() == ["pull quote"]
        assert audit["kept"].sum() == n


def test_a_quote_held_only_inside_another_word_is_not_a_pull_quote():
    lines = ["The campaign reached out to MeToo movement groups to help survivors tell their "
             "stories, officials said on Monday.",
             "Too movement groups to help survivors tell their stories.",
             "A third paragraph follows here with enough words to be a sentence."]
    audit = clean.clean_article("\n\n".join(lines))["audit"]
    assert audit["kept"].sum() == 3


ZH_DUMP = """首页
新闻
国际
哈萨克斯坦与中亚邻国加强合作
2022年12月15日 10:30 来源：新华网
阿斯塔纳12月15日电 哈萨克斯坦总统托卡耶夫周四在阿斯塔纳会见了来自中亚各国的代表团，双方就贸易、能源和水资源合作等问题深入交换了意见。
托卡耶夫表示，哈萨克斯坦愿同地区各国一道，推动“中间走廊”建设，扩大过境运输规模，为地区经济发展注入新动力。
分析人士指出，近年来哈萨克斯坦奉行多元平衡的外交政策，在大国之间保持良好关系，其地区影响力不断上升。
相关新闻
关于我们
版权所有 © 2022"""

RU_DUMP = """Главная
Новости
Политика
Казахстан укрепляет связи с соседями
15 декабря 2022, 10:30
Президент Казахстана Касым-Жомарт Токаев в четверг провёл в Астане встречу с делегациями стран Центральной Азии, на которой обсуждались торговля, энергетика и водные ресурсы.
По словам Токаева, Казахстан готов вместе с соседями развивать Срединный коридор и наращивать объёмы транзитных перевозок через Каспийское море.
Эксперты отмечают, что многовекторная внешняя политика позволяет Астане сохранять хорошие отношения с крупными державами.
Читайте также
О нас
© 2022 Все права защищены"""


@pytest.mark.parametrize("dump", [ZH_DUMP, RU_DUMP], ids=["zh", "ru"])
def test_non_latin_dump_keeps_its_body_paragraphs(dump):
    result = clean.clean_article(dump)
    lines = dump.splitlines()
    assert result["text"].split("\n\n") == lines[5:8]
    assert result["title"] == lines[3]
    assert not result["audit"].loc[:2, "kept"].any()  # the menu is still navigation
    assert result["audit"]["reason"].iloc[-1] == "footer"


def test_a_hashtag_is_no_glued_caption():
    para = ("To get legal help, she reached out to Time's Up, established in the wake of the "
            "#MeToo movement to help survivors tell their stories.")
    other = "The group has committed more than ten million dollars toward funding cases."
    assert clean.clean_text(para + "\n\n" + other) == para + "\n\n" + other


def test_comments_and_author_box_open_the_tail():
    body = ["The foreign minister arrived on Monday for two days of talks on trade and transit.",
            "Officials said the deal would open two new rail routes by the end of next year."]
    tail = ["About the author",
            "Jane Doe has covered Central Asia for the paper since 2015 and lives in Almaty.",
            "12 Comments",
            "This is a thoughtful article and I agree with most of what the author says here.",
            "Leave a Reply",
            "Your email address will not be published, and required fields are marked below."]
    result = clean.clean_article("\n".join(["Talks on trade", *body, *tail]))
    assert result["text"] == "\n\n".join(body)
    reasons = result["audit"]["reason"].tolist()[3:]
    assert reasons == ["author box", "author box", "comments", "comments", "comments", "comments"]
