import { chaosSeeds } from "./chaos-seeds.js";

chaosSeeds(11, 10);
