"""adapters/storage/sqlite"""
