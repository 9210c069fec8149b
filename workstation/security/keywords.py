"""Keywords on exams, series or key images (teaching file, research protocol, follow-up, free tags).

A keyword is shared (everyone sees it) or private to its owner. Searching returns tags; callers filter
the studies through ``AccessPolicy`` so a confidential exam never shows up for the wrong user.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass

from workstation.security.errors import SecurityError

SUGGESTED = ("teaching file", "research protocol", "follow-up")
_KEYWORD = re.compile(r"^[\w ./+#-]{1,64}$")


@dataclass(frozen=True)
class KeywordTag:
    keyword: str
    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    owner: str
    shared: bool

    @property
    def level(self) -> str:
        return "image" if self.sop_instance_uid else "series" if self.series_instance_uid else "study"


def normalize_keyword(text: str) -> str:
    keyword = " ".join(text.split()).lower()
    if not _KEYWORD.match(keyword):
        raise SecurityError(f"{text!r} cannot be a keyword: use up to 64 letters, digits, spaces and . / + # -")
    return keyword


class KeywordStore:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def tag(self, owner: str, keyword: str, study_instance_uid: str, series_instance_uid: str = "",
            sop_instance_uid: str = "", shared: bool = True) -> KeywordTag:
        tag = KeywordTag(normalize_keyword(keyword), study_instance_uid, series_instance_uid, sop_instance_uid,
                         owner, shared)
        self._db.execute("INSERT OR REPLACE INTO keywords VALUES (?,?,?,?,?,?,?)",
                         (tag.keyword, study_instance_uid, series_instance_uid, sop_instance_uid, owner,
                          int(shared), time.time()))
        self._db.commit()
        return tag

    def untag(self, owner: str, keyword: str, study_instance_uid: str, series_instance_uid: str = "",
              sop_instance_uid: str = "") -> bool:
        removed = self._db.execute(
            "DELETE FROM keywords WHERE keyword=? AND study_instance_uid=? AND series_instance_uid=? "
            "AND sop_instance_uid=? AND owner=?",
            (normalize_keyword(keyword), study_instance_uid, series_instance_uid, sop_instance_uid, owner)).rowcount
        self._db.commit()
        return removed > 0

    def tags(self, viewer: str, study_instance_uid: str | None = None, keyword: str | None = None) -> list[KeywordTag]:
        """Tags ``viewer`` may see (shared ones and their own), optionally of one study or one keyword."""
        sql, values = "SELECT * FROM keywords WHERE (shared=1 OR owner=?)", [viewer]
        if study_instance_uid:
            sql, values = sql + " AND study_instance_uid=?", values + [study_instance_uid]
        if keyword:
            sql, values = sql + " AND keyword=?", values + [normalize_keyword(keyword)]
        rows = self._db.execute(sql + " ORDER BY keyword, study_instance_uid, series_instance_uid, sop_instance_uid",
                                values)
        return [KeywordTag(r["keyword"], r["study_instance_uid"], r["series_instance_uid"], r["sop_instance_uid"],
                           r["owner"], bool(r["shared"])) for r in rows]

    def keywords(self, viewer: str) -> list[str]:
        return sorted({tag.keyword for tag in self.tags(viewer)})
