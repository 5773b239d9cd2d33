// placeholder until the privatizer lands
