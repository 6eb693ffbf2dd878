"""The KM curriculum completion the Knowledge risk page shows: graph/analytics/curriculum.py (one reader for the
page and ``whoknows risk``)."""

from graph.analytics.curriculum import (
    SMALL_GROUPS,
    CurriculumReport,
    DepartmentCompletion,
    KmCourse,
    curriculum_completion,
)

__all__ = ["SMALL_GROUPS", "CurriculumReport", "DepartmentCompletion", "KmCourse", "curriculum_completion"]
