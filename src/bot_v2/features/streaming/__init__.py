"""features/streaming"""
