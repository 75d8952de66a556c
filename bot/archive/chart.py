"""A bar chart of articles per year, as PNG bytes (matplotlib's Agg backend: no display)."""

from __future__ import annotations

import io

from bot.archive.stats import ArchiveStats


def per_year_chart(stats: ArchiveStats) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 3.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    years = [str(year) for year, _ in stats.per_year]
    axes.bar(years, [n for _, n in stats.per_year], color="#2e5eaa")
    axes.set_title("Articles per year")
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
