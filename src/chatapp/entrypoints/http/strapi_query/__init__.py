"""Strapi v5's REST query language (filters, sort, pagination, fields, populate) read from a query
string into the application's ListQuery. The one place that knows the syntax; nothing here builds SQL."""

from chatapp.entrypoints.http.strapi_query.parse import parse_list_query, parse_window

__all__ = ["parse_list_query", "parse_window"]
