"""In-memory adapters: real implementations held to the same contract tests as the SQL ones."""
