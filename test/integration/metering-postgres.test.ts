import { meteringSuite } from '../api/suite-metering.js';

meteringSuite('postgres');
