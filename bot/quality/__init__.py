"""Useful yield and what it costs: compute per asset, people's QC marks, automatic QC flags,
and the stats (with plots) that put them together."""
