// placeholder until install lands
