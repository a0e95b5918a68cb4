"""The pages' and the map's own CSS: one rule for a quoted passage wherever it is shown."""

from __future__ import annotations

from borderstates.render.palette import FOCUS_LINE, MUTED_TEXT, SEA, VIOLET

# A passage quoted from an article: beside the map, in lists, on the pages and in map popups.
_QUOTE = f"margin: .4em 0; padding-left: .8em; border-left: 3px solid {VIOLET}; font-style: italic;"

# Every page's elements that the package's HTML (render.markup) draws.
PAGE_CSS = f"""<style>
.bs-passage h4 {{ margin: 0 0 .3em; }} .bs-meta {{ color: {MUTED_TEXT}; margin: .2em 0; font-size: .9em; }}
.bs-passage blockquote, .bs-excerpts blockquote, .bs-passages blockquote {{ {_QUOTE} }}
.bs-record {{ font-size: .85em; border-collapse: collapse; margin-top: .8em; }}
.bs-record th {{ text-align: left; padding-right: 1em; color: {MUTED_TEXT}; font-weight: normal;
  vertical-align: top; }}
.bs-excerpts {{ padding-left: 1.2em; }} .bs-excerpts li {{ margin-bottom: .8em; }}
.bs-article {{ border-top: 1px solid #ddd; padding-top: .6em; margin-bottom: 1.4em; }}
.bs-article h3 {{ font-size: 1.15em; margin: 0 0 .2em; padding: 0; }}
.bs-passages > li {{ margin-bottom: 1em; }} .bs-reports {{ font-size: .9em; margin-top: .2em; }}
.bs-en {{ color: #444; font-size: .92em; }}
</style>"""

# The map frame's own elements: legend, buttons and popups.
MAP_CSS = f"""
.leaflet-container {{ background: {SEA}; font-family: system-ui, sans-serif; }}
.bs-drawing path.leaflet-interactive, .bs-drawing canvas {{ pointer-events: none !important; }}
.bs-legend {{ background: rgba(255,255,255,.92); padding: 5px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); color: #222; font-size: 11px; line-height: 1.3; }}
.bs-legend h4 {{ margin: 1px 0 3px; font-size: 11px; }}
.bs-legend .bs-keys {{ display: grid; grid-template-columns: repeat(3, auto); gap: 1px 10px;
  margin-bottom: 4px; }}
.bs-legend .bs-precision {{ grid-template-columns: repeat(4, auto); }}
.bs-legend .bs-classes {{ display: flex; flex-wrap: wrap; gap: 1px 10px; max-width: 20em; }}
.bs-legend .bs-key {{ display: flex; align-items: center; gap: 4px; }}
.bs-legend .bs-dot {{ width: 10px; height: 10px; border-radius: 50%; border: 1.5px solid #fff;
  box-shadow: 0 0 0 1px rgba(0,0,0,.35); flex: none; }}
.bs-legend .bs-ring {{ background: rgba(119,119,119,.2); border: 2.5px solid #777; box-shadow: none; }}
.bs-legend .bs-dashed {{ background: #777; border: 1.5px dashed #1f1f1f; box-shadow: none; }}
.bs-legend .bs-box {{ width: 14px; height: 10px; border: 1.5px solid {FOCUS_LINE}; flex: none; }}
.bs-fit a {{ width: auto !important; padding: 0 7px; font-size: 12px; white-space: nowrap; }}
.bs-playback {{ background: rgba(255,255,255,.94); padding: 4px 6px; font-size: 12px; color: #222; }}
.bs-playback-panel > div {{ display: flex; gap: 3px; align-items: center; margin: 2px 0; }}
.bs-playback [hidden] {{ display: none !important; }}
.bs-playback .bs-playback-open {{ padding: 3px 8px; }}
.bs-legend summary {{ cursor: pointer; font-weight: 600; }}
.bs-legend details:not([open]) summary {{ margin: 0; }}
.bs-playback button, .bs-playback select, .bs-playback input {{ font-size: 12px; padding: 1px 4px; }}
.bs-playback .bs-playback-window {{ font-weight: 600; }}
.bs-popup {{ font-size: 12px; line-height: 1.35; }}
.bs-popup blockquote {{ {_QUOTE} }}
.bs-popup p {{ margin: 4px 0; }}
"""
