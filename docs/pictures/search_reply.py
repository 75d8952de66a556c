"""Draw README's picture of a /search answer from the embed the bot itself sends.

The archive is docs/sample-archive.jsonl (README's ten-line example); the
search runs through the real index, and the embed is ``search_embed``'s, as
``/search`` builds it. Pillow then draws that payload the way Discord's dark
theme shows an embed: colour bar, title, description with its bold runs and
links, footer. Run it again after changing how results look:

    python docs/pictures/search_reply.py   # writes docs/pictures/search-reply.png
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import matplotlib
from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from bot.archive import load_archive  # noqa: E402
from bot.discord.custom_ids import SearchRequest  # noqa: E402
from bot.discord.embeds import search_embed  # noqa: E402
from bot.search.index import SearchIndex  # noqa: E402
from bot.search.types import Filters  # noqa: E402

QUERY = "volcano erupton"  # a typo, as people type
FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
SCALE = 2  # drawn at twice the size, for sharp text on high-density screens
WIDTH = 620
BACKGROUND, EMBED, TEXT, MUTED, LINK = "#313338", "#2b2d31", "#dbdee1", "#949ba4", "#00a8fc"
TOKEN = re.compile(r"\\(.)|\*\*|\[((?:\\.|[^\]\\])*)\]\(([^)\s]+)\)|([^\\*\[]+|[*\[])", re.S)
STAMP = re.compile(r"<t:(\d+):D>")  # Discord shows a timestamp in the reader's own format


def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONTS / name), size * SCALE)


def runs(markdown: str) -> list[tuple[str, bool, bool]]:
    """(text, bold, link) runs of the markdown the bot sends: bold, masked links, escapes."""
    out: list[tuple[str, bool, bool]] = []
    bold = False
    markdown = STAMP.sub(lambda m: f"{datetime.fromtimestamp(int(m[1]), UTC):%-d %B %Y}", markdown)
    for escaped, label, _url, plain in TOKEN.findall(markdown):
        if escaped:
            out.append((escaped, bold, False))
        elif label:
            out.append((re.sub(r"\\(.)", r"\1", label), bold, True))
        elif plain:
            out.append((plain, bold, False))
        else:  # "**"
            bold = not bold
    return out


class Canvas:
    def __init__(self, height: int) -> None:
        self.image = Image.new("RGB", (WIDTH * SCALE, height * SCALE), BACKGROUND)
        self.draw = ImageDraw.Draw(self.image)

    def paragraph(self, x: int, y: int, width: int, markdown: str, size: int, colour: str) -> int:
        """Word-wrapped runs from (x, y); returns the y below the last line."""
        line_height = int(size * 1.45)
        left, right = x * SCALE, (x + width) * SCALE
        cursor, top = left, y * SCALE
        for line in markdown.split("\n"):
            for text, bold, link in runs(line):
                face = font(size, bold=bold)
                for word in re.split(r"(\s+)", text):
                    if not word:
                        continue
                    advance = self.draw.textlength(word, font=face)
                    if word.isspace():
                        cursor += advance if cursor > left else 0
                        continue
                    if cursor + advance > right and cursor > left:
                        cursor, top = left, top + line_height * SCALE
                    self.draw.text((cursor, top), word, font=face, fill=LINK if link else colour)
                    cursor += advance
            cursor, top = left, top + line_height * SCALE
        return top // SCALE


def render(embed: dict, path: Path) -> None:
    """Draw an embed payload (``discord.Embed.to_dict()``) as Discord's dark theme shows it."""
    height = 1400
    canvas = Canvas(height)
    x, width = 44, WIDTH - 44 - 36
    canvas.draw.text((16 * SCALE, 14 * SCALE), "Dateline", font=font(15, bold=True), fill="#f2f3f5")
    canvas.draw.text((100 * SCALE, 17 * SCALE), "only you can see this", font=font(11), fill=MUTED)
    top = 44
    y = canvas.paragraph(x, top + 10, width, f"**{embed['title']}**", 15, "#f2f3f5") + 6
    y = canvas.paragraph(x, y, width, embed["description"], 13, TEXT) + 4
    y = canvas.paragraph(x, y, width, embed["footer"]["text"], 11, MUTED) + 10
    colour = f"#{embed['color']:06x}"
    canvas.draw.rectangle(
        ((x - 14) * SCALE, top * SCALE, (WIDTH - 20) * SCALE, y * SCALE), fill=EMBED
    )
    canvas.draw.rectangle(((x - 14) * SCALE, top * SCALE, (x - 10) * SCALE, y * SCALE), fill=colour)
    # Draw the text again over the box (the box is sized by the text's first pass).
    y = canvas.paragraph(x, top + 10, width, f"**{embed['title']}**", 15, "#f2f3f5") + 6
    y = canvas.paragraph(x, y, width, embed["description"], 13, TEXT) + 4
    y = canvas.paragraph(x, y, width, embed["footer"]["text"], 11, MUTED) + 10
    picture = canvas.image.crop((0, 0, WIDTH * SCALE, (y + 16) * SCALE))
    picture.quantize(colors=64).save(path, optimize=True)


def main() -> None:
    report = load_archive([ROOT / "docs" / "sample-archive.jsonl"], UTC)
    index = SearchIndex.build(report.articles, report.aliases)
    request = SearchRequest(QUERY, Filters())
    hits = index.search(QUERY, limit=5)
    embed = search_embed(request, hits, 0, 1, 0).to_dict()
    render(embed, HERE / "search-reply.png")


if __name__ == "__main__":
    main()
