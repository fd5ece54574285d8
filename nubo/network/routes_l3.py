L3_ROUTES: list = []
