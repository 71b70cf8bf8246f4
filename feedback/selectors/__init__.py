"""Reads for the managers' dashboard, by subject.

- filters: the dashboard's filter, the cases it selects, the outcomes and the filter's choices;
- departures: the departure figures (headline figures, breakdowns, the monthly trend);
- surveys: the survey figures and their anonymity rule, and a case's own feedback;
- case_lists: the case lists behind the figures.
"""
