print("whale")
