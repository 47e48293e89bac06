"""The register (一标三实): residents, houses and organisations, with personal data protected."""
