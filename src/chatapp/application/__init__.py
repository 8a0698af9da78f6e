"""Use cases and the ports they depend on. Imports chatapp.domain only."""
