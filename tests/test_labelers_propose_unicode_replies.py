"""Proposals written the way German, Polish, Danish, Chinese and Japanese replies write lists: their quotes,
list markers and full-width colons are not part of the keyword."""

from __future__ import annotations

from weaksup.labelers.propose import parse_proposals


def test_german_and_cjk_quotes_and_list_markers_are_not_part_of_the_keyword():
    """„kostenlos“, 「無料」, ＂free＂, "2、中奖", "・限时优惠" and "keyword：bedava" kept their quotes, list marker or
    kind in the keyword, which then voted on no labelled row and was rejected for that."""
    reply = ("- “free”\n- «gratuit»\n- „kostenlos“\n- „darmowy”\n- »gratis«\n- 「無料」\n- 『無料』\n- ＂free＂\n1. 免费\n"
             "2、中奖\n3）优惠\n・限时优惠\nkeyword：bedava\nkeywords: „gratis“, 「無料」")
    got = [p.pattern for p in parse_proposals(reply, ["ham", "spam"], default_label="spam")]
    assert got == ["free", "gratuit", "kostenlos", "darmowy", "gratis", "無料", "無料", "free", "免费", "中奖", "优惠",
                   "限时优惠", "bedava", "gratis", "無料"]
    plain = "- free\n1. win cash\n2) click here\nkeyword: prize, gift"  # English replies: as before
    assert [p.pattern for p in parse_proposals(plain, ["ham", "spam"], default_label="spam")] == [
        "free", "win cash", "click here", "prize", "gift"]
