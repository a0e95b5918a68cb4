"""Borderstates: events on Russia's southern border states, on a map."""
