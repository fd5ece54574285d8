SG_ROUTES: list = []
