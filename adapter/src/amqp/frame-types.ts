/** AMQP 0-9-1 frame types and frame-end octet (spec section 4.2.3), shared by the publish encoder and the delivery reader. */
export const FRAME_METHOD = 1;
export const FRAME_HEADER = 2;
export const FRAME_BODY = 3;
export const FRAME_END = 0xce;
