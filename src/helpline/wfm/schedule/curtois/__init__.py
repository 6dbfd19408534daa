"""Curtois & Qu employee shift scheduling benchmark: reader, CP-SAT model, evaluator."""
