"""The analysis: what the pages compute from the filtered events.

Timeline bins and the band of imprecise events, actor relations, the data-quality report,
the passages of each article, the density grid, the events table. Plain functions on frames
that return frames or small dataclasses; they may import `borderstates.core` only, and draw
nothing.
"""
