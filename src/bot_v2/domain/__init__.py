"""Pure values and rules. Imports nothing outside the standard library, attrs and numpy."""
