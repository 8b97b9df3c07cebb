"""Finetune: TRL recipes for the adapters, their data builders, and the evaluations."""
