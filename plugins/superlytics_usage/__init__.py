"""Superlytics usage pipeline: usage records, Stripe reconciliation, limit flags, alerts and retention.

Airflow puts `plugins/` on sys.path, so the DAG files, the tests and the CLI import this one package.
"""
