"""The analysis: what the pages compute from the filtered events.

Timeline bins and the band of imprecise events, actor relations, the data-quality report,
the passages of each article, the density grid, the map's data, playback's counts per window,
the events table. Plain functions that ask the engine and return frames or small dataclasses;
they may import `borderstates.core` and one another (no two modules each other), and draw
nothing.
"""
