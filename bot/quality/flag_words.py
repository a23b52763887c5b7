"""The automatic QC flags by name and the short word each shows on a variant line (a module of
its own so that reading stats needs neither numpy nor the palette code)."""

NEAR_DUPLICATE = "near_duplicate"
FLAT = "flat"
CLIPPED_HIGHLIGHTS = "clipped_highlights"
CLIPPED_SHADOWS = "clipped_shadows"
OFF_PALETTE = "off_palette"
# Flag → the short word shown on the variant line.
FLAG_WORDS: dict[str, str] = {
    NEAR_DUPLICATE: "near-duplicate",
    FLAT: "flat",
    CLIPPED_HIGHLIGHTS: "clipped highlights",
    CLIPPED_SHADOWS: "clipped shadows",
    OFF_PALETTE: "off-palette",
}
