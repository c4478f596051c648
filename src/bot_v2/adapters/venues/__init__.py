"""adapters/venues: one folder per venue (profile, protective-order dialect, stream transports and
parsers, venue-specific calls), each exporting a `Venue` (venue.py); registry.py registers them.
_template/ lists what a new venue folder must and may hold. Importing a venue loads no ccxt and no
websockets."""
