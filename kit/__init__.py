"""dealer-kit: monthly management analysis for 4S car dealerships.

Modules: ``schemas`` (data contracts), ``io`` (loading and validation), ``settings`` (dealer.yml), ``leads``,
``turnover``, ``kpi``, ``forecast`` (the four analyses), ``models`` (the shared classifier), ``plots``, ``report``,
``runner`` and ``cli`` (the monthly batch and the ``kit`` command), ``samples`` (the synthetic dealership).
Terms: ``kit/GLOSSARY.md``.
"""

__version__ = "0.1.0"
