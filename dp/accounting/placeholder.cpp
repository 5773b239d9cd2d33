// placeholder until the accountants land
