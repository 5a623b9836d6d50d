"""What every chart of the product shares: a Chinese font, and one figure drawn at a time.

Charts are matplotlib figures drawn without pyplot, so building one in a web thread touches no global
plotting state; matplotlib's font settings are still global, hence :data:`FIGURES`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib
from matplotlib import font_manager

CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei",
             "PingFang SC")
"""Fonts with the whole of simplified Chinese, in order of preference (Debian: fonts-noto-cjk)."""

FIGURES = threading.Lock()
"""One chart draws at a time, so web threads cannot swap each other's fonts."""


def cjk_font() -> str:
    """The name of an installed font that has Chinese; a chart in boxes (tofu) is worse than an error."""
    for name in CJK_FONTS:
        try:
            font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
        except ValueError:
            continue
        return name
    raise RuntimeError("没有中文字体,报告无法显示中文 / no Chinese font is installed: install fonts-noto-cjk "
                       f"(or one of {', '.join(CJK_FONTS)})")


@contextmanager
def chinese_figures() -> Iterator[str]:
    """Draw (and save) figures inside this block: the Chinese font is set and no other thread draws."""
    font = cjk_font()
    with FIGURES, matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": [font, "DejaVu Sans"],
                                         "axes.unicode_minus": False}):
        yield font
