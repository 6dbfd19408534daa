"""Subscriber domain: customers and contracts, caller verification, GSM/USSD text.

Pure Python: no I/O, no clock reads; times arrive as timezone-aware datetimes.
"""
