// placeholder until the optimizers land
