"""Strapi's query language as typed values: what a listing asks for, independent of any transport."""
