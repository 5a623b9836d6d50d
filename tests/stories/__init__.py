"""The stories the tests are told on, one builder module each, built from the seeds:

- :mod:`~tests.stories.checks`: outfalls at Gulei and two zone plans, for the first two checks;
- :mod:`~tests.stories.served`: a few features in five layers around Zhangpu, for the app's clients;
- :mod:`~tests.stories.eldercare`: a county's eldercare facilities and residential areas;
- :mod:`~tests.stories.land`: Zhangpu and Zhao'an with approvals and parcels;
- :mod:`~tests.stories.gazette`: the 2022 No. 11 gazette and what reading it gives;
- :mod:`~tests.stories.standard_land`: a standard-land site at Gulei.

:mod:`~tests.stories.fixtures` builds them for any package's tests.
"""
