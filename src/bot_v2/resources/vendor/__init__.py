"""Third-party files shipped unchanged, each folder with its LICENSE and PROVENANCE.md."""
