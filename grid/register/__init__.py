"""The register (一标三实): standard addresses, houses, households, residents and organisations.

Pure domain code: the vocabulary as data (catalog), validators for ID numbers, credit codes,
phones and addresses, reading and checking import files, and a seeded fictitious demo register.
"""
