"""Every shipped language translates every message, and the catalogues hold exactly the code's messages.

The code's messages are found as `make messages` finds them: makemessages runs (about a second) into a
folder of its own, and its template (.pot) is compared with each language's catalogue. A string marked
in the code but missing from the catalogues, or left there after the code dropped it, fails here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

SHIPPED_TRANSLATIONS = ("de", "fr", "es", "nl")
# The same folders `make messages` leaves out: tools and tests show nobody anything.
NOT_SHOWN = [".venv", "node_modules", "var", "locale", "bench", "prod_smoke", "*/tests/*"]
BASE_DIR = Path(settings.BASE_DIR)


@dataclass
class Message:
    """One entry of a .po/.pot file: its context and msgid (with any plural), translations and flags."""

    key: tuple[str, str, str] = ("", "", "")
    translations: list[str] = field(default_factory=list)
    fuzzy: bool = False


FIELD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$')


def catalogue_entries(text: str) -> list[Message]:
    """The live entries of a catalogue (not the header, not obsolete `#~` ones)."""
    messages = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        name = ""
        for line in block.splitlines():
            if match := FIELD.match(line):
                name, fields[match[1]] = match[1], match[2]
            elif line.startswith('"') and name:
                fields[name] += line[1:-1]
        if fields.get("msgid"):
            key = (fields.get("msgctxt", ""), fields["msgid"], fields.get("msgid_plural", ""))
            translations = [value for name, value in fields.items() if name.startswith("msgstr")]
            messages.append(Message(key, translations, re.search(r"^#,.*\bfuzzy\b", block, re.M) is not None))
    return messages


def catalogue(language: str) -> list[Message]:
    return catalogue_entries((BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po").read_text())


@pytest.fixture(scope="module")
def messages_in_the_code() -> Iterator[set[tuple[str, str, str]]]:
    # makemessages files each message under the locale folder nearest above it: a folder beside the
    # project's own locale/, and locale/ itself ignored, makes that folder the one for every file.
    folder = Path(tempfile.mkdtemp(prefix=".makemessages-", dir=BASE_DIR))
    try:
        with override_settings(LOCALE_PATHS=[str(folder)]):
            call_command("makemessages", locale=["de"], keep_pot=True, ignore_patterns=NOT_SHOWN, verbosity=0)
        yield {message.key for message in catalogue_entries((folder / "django.pot").read_text())}
    finally:
        shutil.rmtree(folder)


def test_the_reader_sees_translations_plurals_fuzzy_flags_and_not_obsolete_entries() -> None:
    text = (
        'msgid ""\nmsgstr ""\n"Language: de\\n"\n\n'
        '#: a.py:1\nmsgid "Saved"\nmsgstr "Gespeichert"\n\n'
        '#, fuzzy, python-format\nmsgid ""\n"%(count)s client"\nmsgid_plural "%(count)s clients"\n'
        'msgstr[0] "%(count)s Kunde"\nmsgstr[1] ""\n\n'
        'msgctxt "month"\nmsgid "May"\nmsgstr "Mai"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Weg"\n'
    )
    entries = catalogue_entries(text)
    assert [entry.key for entry in entries] == [
        ("", "Saved", ""),
        ("", "%(count)s client", "%(count)s clients"),
        ("month", "May", ""),
    ]
    assert [(entry.translations, entry.fuzzy) for entry in entries] == [
        (["Gespeichert"], False),
        (["%(count)s Kunde", ""], True),
        (["Mai"], False),
    ]


@pytest.mark.parametrize("language", SHIPPED_TRANSLATIONS)
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    entries = catalogue(language)
    assert len(entries) > 250
    missing = [entry.key[1] for entry in entries if entry.fuzzy or not all(entry.translations)]
    assert not missing, f"{language}: {len(missing)} messages untranslated or fuzzy: {missing}"


@pytest.mark.parametrize("language", SHIPPED_TRANSLATIONS)
def test_the_catalogue_holds_exactly_the_messages_of_the_code(
    language: str, messages_in_the_code: set[tuple[str, str, str]]
) -> None:
    in_catalogue = {entry.key for entry in catalogue(language)}
    new = sorted(message[1] for message in messages_in_the_code - in_catalogue)
    dropped = sorted(message[1] for message in in_catalogue - messages_in_the_code)
    assert not new, f"Marked in the code, missing from locale/{language} (run `make messages`): {new}"
    assert not dropped, f"In locale/{language} but no longer in the code (run `make messages`): {dropped}"


@pytest.mark.parametrize("language", SHIPPED_TRANSLATIONS)
def test_every_translation_keeps_the_placeholders_of_its_message(language: str) -> None:
    po_file = BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po"
    checked = subprocess.run(
        ["msgfmt", "--check-format", "--output-file=/dev/null", str(po_file)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
