"""Training: transcripts -> dataset -> fine-tune -> evaluate -> promote (see DESIGN.md)."""
