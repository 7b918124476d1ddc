import { chaosSeeds } from "./chaos-seeds.js";

chaosSeeds(1, 10);
