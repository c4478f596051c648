"""Exits: where a position's protective stop and take-profits belong now, and which bot-side exits
fire. Pure values in, values out; `protection` turns the plan into orders the venue holds."""
