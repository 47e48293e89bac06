"""The domain tables every layer reads: the vocabulary of places, records and categories
(``catalog``), the case loop, roles and deadlines (``caseflow``), and the community and cell code
scheme (``codes``).
"""
